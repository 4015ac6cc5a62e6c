// Package hwdef reads Azure Sphere hardware-definition files: the JSON files
// that name a chip's or a board's peripherals (reference §1.4–§1.6), map
// board names onto chip names, and give each chip peripheral the value an
// app manifest uses ("AppManifestValue") and the value C code uses
// ("MainCoreHeaderValue").
//
// Load follows a file's Imports, checks the whole chain (missing imports,
// import cycles, duplicate names, mappings to unknown names, malformed
// entries), and returns a Definition. A Definition resolves "$NAME"
// references of an app manifest (Resolve, ResolveManifest) and generates
// the C header that `azsphere hardware-definition generate-header` would
// (Header).
//
// The format, as in the SDK's files:
//
//	{
//	  "Metadata": {"Type": "Azure Sphere Hardware Definition", "Version": 1},
//	  "Description": {"Name": "...", "MainCoreHeaderFileTopContent": ["/* ... */", ...]},
//	  "Imports": [{"Path": "mt3620.json"}],
//	  "Peripherals": [
//	    {"Name": "MT3620_GPIO8", "Type": "Gpio", "MainCoreHeaderValue": "(8)", "AppManifestValue": 8, "Comment": "..."},
//	    {"Name": "MT3620_RDB_LED1_RED", "Type": "Gpio", "Mapping": "MT3620_GPIO8", "Comment": "..."}
//	  ]
//	}
//
// Each peripheral has exactly one of Mapping (another peripheral's name, of
// this file or of one it imports) and MainCoreHeaderValue; only the latter
// may carry an AppManifestValue, an integer or a string. Peripherals
// without one (Type "int": channel numbers, SPI chip selects) exist for C
// code only and cannot be requested in a manifest. Field names match
// case-insensitively; unknown fields are ignored.
package hwdef

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// MetadataType is the Metadata.Type every hardware-definition file declares.
const MetadataType = "Azure Sphere Hardware Definition"

// MetadataVersion is the only Metadata.Version there is.
const MetadataVersion = 1

// maxImportDepth bounds import chains; real chains are two or three files deep.
const maxImportDepth = 32

// Definition is a loaded hardware-definition file and, through Imports, the
// files it imports.
type Definition struct {
	// Path is where the file was read from: an OS path for Load, a path in
	// the file system for LoadFS.
	Path string
	// Name is Description.Name.
	Name string
	// TopContent is Description.MainCoreHeaderFileTopContent: the lines
	// the generated header starts with.
	TopContent []string
	// ImportPaths are the Imports' paths as written in the file.
	ImportPaths []string
	// Imports are the imported files, in the order of ImportPaths.
	Imports []*Definition
	// Peripherals are this file's own peripherals, in file order.
	Peripherals []*Peripheral

	// index holds every peripheral visible from this file: its own and
	// those of its imports, transitively.
	index map[string]*Peripheral
}

// Peripheral is one entry of a file's Peripherals.
type Peripheral struct {
	Name                string
	Type                string
	Mapping             string // another peripheral's name, or ""
	MainCoreHeaderValue string // C expression, or "" when Mapping is set
	// AppManifestValue is nil, an int (GPIO numbers) or a string ("ISU0",
	// "PWM-CONTROLLER-2", ...); always nil when Mapping is set.
	AppManifestValue any
	Comment          string
	// File is the Path of the Definition that declares the peripheral.
	File string
}

// Error is a problem with a hardware-definition file.
type Error struct {
	File       string // the file at fault
	Line, Col  int    // position of a JSON syntax or type error, 1-based; 0 if unknown
	Peripheral string // the peripheral at fault, or ""
	Err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Peripheral != "" {
		fmt.Fprintf(&b, "peripheral %q: ", e.Peripheral)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errors that Load's *Error values wrap, for errors.Is.
var (
	ErrSyntax        = errors.New("not a valid hardware-definition file")
	ErrImportMissing = errors.New("import not found")
	ErrImportCycle   = errors.New("import cycle")
	ErrDuplicate     = errors.New("duplicate peripheral name")
	ErrUnknownName   = errors.New("mapping to an unknown name")
	ErrMappingCycle  = errors.New("mapping cycle")
	ErrInvalid       = errors.New("invalid peripheral")
)

// Load reads the hardware-definition file at path (an OS path) and the
// files it imports. An import's Path is looked up relative to the importing
// file's directory, then in each of searchDirs in order (the SDK's
// hardware-definitions directory, for example, so that an app's file can
// import "mt3620_rdb.json" from any folder).
func Load(path string, searchDirs ...string) (*Definition, error) {
	l := &loader{done: map[string]*Definition{}, loading: map[string]bool{}}
	for _, d := range searchDirs {
		l.search = append(l.search, place{dir: d})
	}
	return l.load(place{path: path}, nil)
}

// LoadFS is Load for a file system: name and the imports' paths are
// slash-separated paths in fsys; an import not found next to the importing
// file is looked up at the root of each of search in order.
//
// A file system passed both as fsys and in search is treated as two file
// systems: a file read through both is loaded twice and its names clash.
func LoadFS(fsys fs.FS, name string, search ...fs.FS) (*Definition, error) {
	l := &loader{done: map[string]*Definition{}, loading: map[string]bool{}}
	for i, s := range search {
		l.search = append(l.search, place{fsys: s, fsID: i + 1, dir: "."})
	}
	return l.load(place{fsys: fsys, path: name}, nil)
}

// place is a file (path) or directory (dir) on the OS (fsys nil) or in a file system.
type place struct {
	fsys fs.FS
	fsID int // distinguishes file systems in keys: 0 for LoadFS's fsys
	path string
	dir  string
}

// key identifies a file across import paths, for cycle detection and reuse.
func (p place) key() string {
	if p.fsys == nil {
		if abs, err := filepath.Abs(p.path); err == nil {
			return "os:" + abs
		}
		return "os:" + filepath.Clean(p.path)
	}
	return fmt.Sprintf("fs%d:%s", p.fsID, p.path)
}

func (p place) read() ([]byte, error) {
	if p.fsys == nil {
		return os.ReadFile(p.path)
	}
	return fs.ReadFile(p.fsys, p.path)
}

// join returns the place of the file rel inside directory dir of p's file system.
func (p place) join(dir, rel string) (place, bool) {
	q := place{fsys: p.fsys, fsID: p.fsID}
	if p.fsys == nil {
		rel = filepath.FromSlash(rel)
		if filepath.IsAbs(rel) {
			q.path = rel
		} else {
			q.path = filepath.Join(dir, rel)
		}
		return q, true
	}
	q.path = path.Join(dir, rel)
	return q, fs.ValidPath(q.path)
}

// dirOf is the directory holding p's file.
func (p place) dirOf() string {
	if p.fsys == nil {
		return filepath.Dir(p.path)
	}
	return path.Dir(p.path)
}

type loader struct {
	search  []place
	done    map[string]*Definition // by place.key
	loading map[string]bool        // files on the current import chain
}

// load reads the file at p and, recursively, its imports; chain is the
// import chain that led to it, for cycle errors.
func (l *loader) load(p place, chain []string) (*Definition, error) {
	k := p.key()
	if d, ok := l.done[k]; ok {
		return d, nil
	}
	if l.loading[k] {
		return nil, &Error{File: chain[len(chain)-1], Err: fmt.Errorf("%w: %s", ErrImportCycle, strings.Join(append(chain, p.path), " imports "))}
	}
	if len(chain) >= maxImportDepth {
		return nil, &Error{File: chain[len(chain)-1], Err: fmt.Errorf("%w: imports nested more than %d deep", ErrImportCycle, maxImportDepth)}
	}
	b, err := p.read()
	if err != nil {
		return nil, err
	}
	d, err := parse(b, p.path)
	if err != nil {
		return nil, err
	}
	l.loading[k] = true
	defer delete(l.loading, k)
	chain = append(chain, p.path)
	for _, ip := range d.ImportPaths {
		q, err := l.find(p, ip)
		if err != nil {
			return nil, err
		}
		imp, err := l.load(q, chain)
		if err != nil {
			return nil, err
		}
		d.Imports = append(d.Imports, imp)
	}
	if err := d.link(); err != nil {
		return nil, err
	}
	l.done[k] = d
	return d, nil
}

// find locates the import rel of the file at from: next to it, then in the search places.
func (l *loader) find(from place, rel string) (place, error) {
	var tried []string
	cands := []place{}
	if q, ok := from.join(from.dirOf(), rel); ok {
		cands = append(cands, q)
	}
	for _, s := range l.search {
		if q, ok := s.join(s.dir, rel); ok {
			cands = append(cands, q)
		}
	}
	for _, q := range cands {
		var err error
		if q.fsys == nil {
			var st os.FileInfo
			if st, err = os.Stat(q.path); err == nil && !st.Mode().IsRegular() {
				err = fmt.Errorf("%s is not a regular file", q.path)
			}
		} else {
			var st fs.FileInfo
			if st, err = fs.Stat(q.fsys, q.path); err == nil && !st.Mode().IsRegular() {
				err = fmt.Errorf("%s is not a regular file", q.path)
			}
		}
		if err == nil {
			return q, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return place{}, &Error{File: from.path, Err: fmt.Errorf("import %q: %w", rel, err)}
		}
		tried = append(tried, q.path)
	}
	where := "nowhere: the path is not valid"
	if len(tried) > 0 {
		where = "looked for " + strings.Join(tried, ", ")
	}
	return place{}, &Error{File: from.path, Err: fmt.Errorf("%w: %q (%s)", ErrImportMissing, rel, where)}
}

// file is the JSON shape of a hardware-definition file.
type file struct {
	Metadata *struct {
		Type    *string
		Version json.RawMessage
	}
	Description *struct {
		Name                         string
		MainCoreHeaderFileTopContent []string
	}
	Imports []struct {
		Path string
	}
	Peripherals []struct {
		Name                string
		Type                string
		Mapping             string
		MainCoreHeaderValue string
		AppManifestValue    json.RawMessage
		Comment             string
	}
}

// utf8BOM is the byte-order mark some editors put at the start of a file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// parse decodes and checks one file on its own (imports are linked later).
func parse(b []byte, name string) (*Definition, error) {
	b = bytes.TrimPrefix(b, utf8BOM)
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		e := &Error{File: name, Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			// Offset is just past the offending byte.
			e.Line, e.Col = position(b, se.Offset-1)
		case errors.As(err, &te):
			e.Line, e.Col = position(b, te.Offset)
			e.Err = fmt.Errorf("%w: field %s must be %s, not a JSON %s", ErrSyntax, te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		}
		return nil, e
	}
	bad := func(format string, args ...any) error {
		return &Error{File: name, Err: fmt.Errorf("%w: "+format, append([]any{ErrSyntax}, args...)...)}
	}
	switch {
	case f.Metadata == nil:
		return nil, bad("no Metadata (want {\"Type\": %q, \"Version\": %d})", MetadataType, MetadataVersion)
	case f.Metadata.Type == nil || *f.Metadata.Type != MetadataType:
		got := "none"
		if f.Metadata.Type != nil {
			got = strconv.Quote(*f.Metadata.Type)
		}
		return nil, bad("Metadata.Type is %s, want %q", got, MetadataType)
	case string(f.Metadata.Version) != strconv.Itoa(MetadataVersion):
		got := string(f.Metadata.Version)
		if got == "" {
			got = "missing"
		}
		return nil, bad("Metadata.Version is %s, want %d", got, MetadataVersion)
	}
	d := &Definition{Path: name, index: map[string]*Peripheral{}}
	if f.Description != nil {
		d.Name = f.Description.Name
		d.TopContent = f.Description.MainCoreHeaderFileTopContent
		for i, line := range d.TopContent {
			if strings.ContainsAny(line, "\r\n") {
				return nil, bad("Description.MainCoreHeaderFileTopContent[%d] contains a line break; give each line as its own string", i)
			}
		}
	}
	for i, imp := range f.Imports {
		if imp.Path == "" {
			return nil, bad("Imports[%d] has no Path", i)
		}
		d.ImportPaths = append(d.ImportPaths, imp.Path)
	}
	for i, fp := range f.Peripherals {
		p := &Peripheral{
			Name: fp.Name, Type: fp.Type, Mapping: fp.Mapping,
			MainCoreHeaderValue: fp.MainCoreHeaderValue, Comment: fp.Comment, File: name,
		}
		invalid := func(format string, args ...any) error {
			e := &Error{File: name, Peripheral: p.Name, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)}
			if p.Name == "" {
				e.Err = fmt.Errorf("%w: Peripherals[%d]: "+format, append([]any{ErrInvalid, i}, args...)...)
			}
			return e
		}
		switch {
		case p.Name == "":
			return nil, invalid("no Name")
		case !isIdent(p.Name):
			return nil, invalid("the Name is not a C identifier (letters, digits and _, not starting with a digit)")
		case p.Type == "":
			return nil, invalid("no Type (Gpio, Uart, I2cMaster, SpiMaster, Adc, Pwm, I2sSubordinate, int, ...)")
		case strings.ContainsAny(p.Type+p.Comment+p.MainCoreHeaderValue, "\r\n"):
			return nil, invalid("Type, Comment and MainCoreHeaderValue must be single lines")
		case p.Mapping != "" && p.MainCoreHeaderValue != "":
			return nil, invalid("has both Mapping and MainCoreHeaderValue; give one")
		case p.Mapping == "" && p.MainCoreHeaderValue == "":
			return nil, invalid("has neither Mapping nor MainCoreHeaderValue")
		case p.Mapping != "" && !isIdent(p.Mapping):
			return nil, invalid("Mapping %q is not a peripheral name", p.Mapping)
		case p.Mapping != "" && len(fp.AppManifestValue) > 0:
			return nil, invalid("has both Mapping and AppManifestValue; a mapped peripheral takes the AppManifestValue of the one it maps to")
		}
		if len(fp.AppManifestValue) > 0 {
			v, err := manifestValue(fp.AppManifestValue)
			if err != nil {
				return nil, invalid("AppManifestValue %s: %v", fp.AppManifestValue, err)
			}
			p.AppManifestValue = v
		}
		if q := d.index[p.Name]; q != nil {
			return nil, &Error{File: name, Peripheral: p.Name, Err: fmt.Errorf("%w: defined twice in this file", ErrDuplicate)}
		}
		d.index[p.Name] = p
		d.Peripherals = append(d.Peripherals, p)
	}
	return d, nil
}

// manifestValue decodes an AppManifestValue: an integer or a string.
func manifestValue(raw json.RawMessage) (any, error) {
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return s, nil
	case 'n':
		return nil, errors.New("must be an integer or a string, not null")
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return nil, errors.New("must be an integer (such as a GPIO number) or a string (such as \"ISU0\")")
	}
	return n, nil
}

// link merges the imports' names into d's index and checks d's mappings.
func (d *Definition) link() error {
	own := d.index
	d.index = make(map[string]*Peripheral, len(own))
	for _, imp := range d.Imports {
		for name, p := range imp.index {
			if q := d.index[name]; q != nil && q != p {
				return &Error{File: d.Path, Peripheral: name, Err: fmt.Errorf("%w: defined in %s and in %s", ErrDuplicate, q.File, p.File)}
			}
			d.index[name] = p
		}
	}
	for _, p := range d.Peripherals {
		if q := d.index[p.Name]; q != nil {
			return &Error{File: d.Path, Peripheral: p.Name, Err: fmt.Errorf("%w: also defined in %s", ErrDuplicate, q.File)}
		}
		d.index[p.Name] = p
	}
	for _, p := range d.Peripherals {
		if p.Mapping == "" {
			continue
		}
		if _, err := d.chain(p); err != nil {
			return &Error{File: d.Path, Peripheral: p.Name, Err: err}
		}
	}
	return nil
}

// chain follows p's mappings to the peripheral that has a MainCoreHeaderValue,
// returning every peripheral on the way, p first.
func (d *Definition) chain(p *Peripheral) ([]*Peripheral, error) {
	out := []*Peripheral{p}
	for p.Mapping != "" {
		q := d.index[p.Mapping]
		if q == nil {
			return nil, fmt.Errorf("%w: %s maps to %s, which is in neither %s nor its imports", ErrUnknownName, p.Name, p.Mapping, filepath.Base(d.Path))
		}
		for _, seen := range out {
			if seen == q {
				names := make([]string, 0, len(out)+1)
				for _, x := range out {
					names = append(names, x.Name)
				}
				return nil, fmt.Errorf("%w: %s", ErrMappingCycle, strings.Join(append(names, q.Name), " -> "))
			}
		}
		out = append(out, q)
		p = q
	}
	return out, nil
}

// Lookup returns the peripheral called name ("$NAME" is accepted too),
// declared by this file or one it imports.
func (d *Definition) Lookup(name string) (*Peripheral, bool) {
	p, ok := d.index[strings.TrimPrefix(name, "$")]
	return p, ok
}

// Names returns the names of every peripheral visible from this file, in
// import order (imports first, depth first) and then file order.
func (d *Definition) Names() []string {
	var out []string
	seen := map[*Definition]bool{}
	var walk func(*Definition)
	walk = func(x *Definition) {
		if seen[x] {
			return
		}
		seen[x] = true
		for _, imp := range x.Imports {
			walk(imp)
		}
		for _, p := range x.Peripherals {
			out = append(out, p.Name)
		}
	}
	walk(d)
	return out
}

// Files returns d and every file it imports, transitively, each once, d first.
func (d *Definition) Files() []*Definition {
	var out []*Definition
	seen := map[*Definition]bool{}
	var walk func(*Definition)
	walk = func(x *Definition) {
		if seen[x] {
			return
		}
		seen[x] = true
		out = append(out, x)
		for _, imp := range x.Imports {
			walk(imp)
		}
	}
	walk(d)
	return out
}

// Resolve returns the AppManifestValue of the peripheral called name
// ("$NAME" is accepted too), following Mapping chains: an int for a GPIO, a
// string such as "ISU0", "ADC-CONTROLLER-0" or "PWM-CONTROLLER-2" for the
// others. It fails when the name is unknown or the chain ends at a
// peripheral with no AppManifestValue (channel numbers, chip selects).
func (d *Definition) Resolve(name string) (value any, err error) {
	chain, err := d.Chain(name)
	if err != nil {
		return nil, err
	}
	last := chain[len(chain)-1]
	if last.AppManifestValue == nil {
		return nil, fmt.Errorf("%s has no AppManifestValue (%s), so an app manifest cannot request it", via(chain), last.File)
	}
	return last.AppManifestValue, nil
}

// Chain returns the peripheral called name ("$NAME" is accepted too) and
// the peripherals its Mapping chain passes through, ending with the one
// that has a MainCoreHeaderValue.
func (d *Definition) Chain(name string) ([]*Peripheral, error) {
	name = strings.TrimPrefix(name, "$")
	p := d.index[name]
	if p == nil {
		return nil, fmt.Errorf("no peripheral %s in %s", name, d.describe())
	}
	return d.chain(p)
}

// describe names d and its imports for error messages.
func (d *Definition) describe() string {
	files := d.Files()
	if len(files) == 1 {
		return "hardware definition " + d.Path
	}
	names := make([]string, 0, len(files)-1)
	for _, f := range files[1:] {
		names = append(names, filepath.Base(f.Path))
	}
	return fmt.Sprintf("hardware definition %s or its imports (%s)", d.Path, strings.Join(names, ", "))
}

// via formats a mapping chain as "A -> B -> C".
func via(chain []*Peripheral) string {
	names := make([]string, len(chain))
	for i, p := range chain {
		names[i] = p.Name
	}
	return strings.Join(names, " -> ")
}

// isIdent reports whether s is a C identifier.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// position converts a byte offset of b into a 1-based line and column.
func position(b []byte, off int64) (line, col int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	if off < 0 {
		off = 0
	}
	before := b[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = 1 + len(before) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}

// jsonKind names a Go kind as the JSON value it decodes from.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "ptr":
		return "an object"
	}
	return "a " + k
}
