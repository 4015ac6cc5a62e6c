package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	sphereemu "github.com/sphere-emu/sphere-emu"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/manifest"
	"github.com/sphere-emu/sphere-emu/sdk/hwdef"
)

// installHint says how to get the wasm32-wasi toolchain on Debian/Ubuntu.
const installHint = "apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32"

func newSDKCmd() *cobra.Command {
	var cacheDir string
	c := &cobra.Command{
		Use:   "sdk",
		Short: "Build apps with the bundled C SDK: compile, resolve hardware definitions, pack and sign",
		Long: `The C SDK (applibs headers and sources, the MT3620 and RDB hardware
definitions, the compiler flags) is bundled in sphere-emu and unpacked into a
content-addressed cache directory on first use, so apps build from any
folder. Compiling needs clang for wasm32-wasi:
  ` + installHint + `
See docs/sdk.md.`,
	}
	c.PersistentFlags().StringVar(&cacheDir, "cache-dir", "", "`DIR` to unpack the bundled SDK into (default: the user cache dir, sphere-emu/sdk)")
	c.AddCommand(newSDKBuildCmd(&cacheDir), newSDKEnvCmd(&cacheDir), newSDKGenHeaderCmd(&cacheDir))
	return c
}

func newSDKBuildCmd(cacheDir *string) *cobra.Command {
	var appDir, hwDir, target, keyPath, out, outDir, wasmPath string
	var temporary, verbose bool
	c := &cobra.Command{
		Use:   "build [--dir APPDIR] [--hardware-definitions DIR [--target-definition NAME.json]] [--key KEY.pem] [-o app.imagepackage]",
		Short: "Compile an app folder to WASM and pack it as a signed image package",
		Long: `Build the app in APPDIR (default: the current directory):

 1. compile APPDIR/*.c and the SDK's sources with $CC (default clang), with
    the SDK's flags (sdk/flags.sh, as testdata/apps/build.sh), to the
    manifest's EntryPoint (skipped with --wasm);
 2. resolve every "$NAME" of APPDIR/app_manifest.json through the target
    hardware definition to its AppManifestValue, then validate the manifest
    as the device will;
 3. pack app_manifest.json, the module and every file under APPDIR/resources/
    (as resources/...) into an image package signed with KEY (default: the
    PUBLIC TEST app key, trusted by images built with --keys testdata/keys).

The hardware-definitions directory (default APPDIR/hardware-definitions, if it
exists) holds the app's hardware-definition JSON and its generated inc/hw/
headers (sphere-emu sdk gen-header); with one JSON file there it is the target,
otherwise name it with --target-definition. Imports are looked up next to the
importing file, then among the SDK's definitions (mt3620_rdb.json,
mt3620.json). DIR/inc and the SDK's hardware-definitions/inc are on the
include path: #include <hw/NAME.h>.

Files go to OUTDIR (default APPDIR/out): approot/ holds exactly the
package's files, and the package is OUTDIR/<Name>.imagepackage unless -o is
given. SOURCE_DATE_EPOCH fixes the build date.`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if target != "" && hwDir == "" {
				if st, err := os.Stat(filepath.Join(appDir, "hardware-definitions")); err != nil || !st.IsDir() {
					return usageErrorf("--target-definition needs --hardware-definitions (or an APPDIR/hardware-definitions directory)")
				}
			}
			return sdkBuild(cmd, sdkBuildOptions{
				CacheDir: *cacheDir, AppDir: appDir, HWDir: hwDir, Target: target, KeyPath: keyPath,
				Out: out, OutDir: outDir, Wasm: wasmPath, Temporary: temporary, Verbose: verbose,
			})
		},
	}
	f := c.Flags()
	f.StringVar(&appDir, "dir", ".", "the app's folder: *.c, app_manifest.json, resources/, hardware-definitions/")
	f.StringVar(&hwDir, "hardware-definitions", "", "`DIR` holding the app's hardware-definition JSON and its inc/hw headers (default APPDIR/hardware-definitions)")
	f.StringVar(&target, "target-definition", "", "the target hardware definition, a `NAME.json` in the hardware-definitions directory (needed when it holds several)")
	f.StringVar(&keyPath, "key", "", "PEM private key that signs the package (default: the bundled PUBLIC TEST app key)")
	f.StringVarP(&out, "output", "o", "", "output image package (default OUTDIR/<Name>.imagepackage)")
	f.StringVar(&outDir, "out-dir", "", "`OUTDIR` for the build's files (default APPDIR/out)")
	f.StringVar(&wasmPath, "wasm", "", "pack this prebuilt WASM module instead of compiling (for other build systems; see sdk env)")
	f.BoolVar(&temporary, "temporary", false, "mark the package as under development (TP section)")
	f.BoolVarP(&verbose, "verbose", "v", false, "print the compiler command and every resolved $NAME")
	return c
}

func newSDKEnvCmd(cacheDir *string) *cobra.Command {
	var hwDir string
	var realtime bool
	c := &cobra.Command{
		Use:   "env [--hardware-definitions DIR]",
		Short: "Print CC, CFLAGS, LDFLAGS and the SDK's paths as shell exports, for other build systems",
		Long: `Print, as shell export lines, what 'sdk build' compiles with:

  SPHERE_EMU_SDK           the unpacked SDK (include/, lib/, hardware-definitions/)
  CC                       $CC, or clang
  CFLAGS                   the SDK's compiler flags and include directories
                           (DIR/inc first, with --hardware-definitions)
  LDFLAGS                  the SDK's linker flags
  SPHERE_EMU_SDK_SOURCES   the SDK's C sources, to compile into every app

For example:
  eval "$(sphere-emu sdk env --hardware-definitions hw)"
  $CC $CFLAGS $SPHERE_EMU_SDK_SOURCES *.c $LDFLAGS -o app.wasm
  sphere-emu sdk build --hardware-definitions hw --wasm app.wasm`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			sdkDir, err := unpackSDK(*cacheDir)
			if err != nil {
				return err
			}
			tc, err := newToolchain(sdkDir, hwDir, realtime)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, kv := range [][2]string{
				{"SPHERE_EMU_SDK", sdkDir},
				{"CC", strings.Join(tc.CC, " ")},
				{"CFLAGS", strings.Join(tc.CFLAGS, " ")},
				{"LDFLAGS", strings.Join(tc.LDFLAGS, " ")},
				{"SPHERE_EMU_SDK_SOURCES", strings.Join(tc.Sources, " ")},
			} {
				fmt.Fprintf(w, "export %s=%s\n", kv[0], shellQuote(kv[1]))
			}
			return nil
		},
	}
	c.Flags().StringVar(&hwDir, "hardware-definitions", "", "`DIR` whose inc/ goes on the include path")
	c.Flags().BoolVar(&realtime, "realtime", false, "print the flags for a real-time app (sdk/rt) instead")
	return c
}

func newSDKGenHeaderCmd(cacheDir *string) *cobra.Command {
	var outDir string
	c := &cobra.Command{
		Use:   "gen-header FILE.json [-o DIR]",
		Short: "Generate the C header of a hardware-definition file, as DIR/inc/hw/<name>.h",
		Long: `Generate the C header of a hardware-definition file, as
'azsphere hardware-definition generate-header' does: DIR/inc/hw/<name>.h,
where DIR defaults to the JSON file's directory. The file and its imports are
checked first (imports are looked up next to the importing file, then among
the SDK's definitions).`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sdkDir, err := unpackSDK(*cacheDir)
			if err != nil {
				return err
			}
			file := args[0]
			d, err := hwdef.Load(file, filepath.Join(sdkDir, "hardware-definitions"))
			if err != nil {
				return err
			}
			dir := outDir
			if dir == "" {
				dir = filepath.Dir(file)
			}
			hwInc := filepath.Join(dir, "inc", "hw")
			source := "../../" + filepath.Base(file)
			absInc, err1 := filepath.Abs(hwInc)
			absFile, err2 := filepath.Abs(file)
			if err1 == nil && err2 == nil {
				if rel, err := filepath.Rel(absInc, absFile); err == nil {
					source = filepath.ToSlash(rel)
				}
			}
			if err := os.MkdirAll(hwInc, 0o755); err != nil {
				return err
			}
			h := filepath.Join(hwInc, d.HeaderName())
			if err := os.WriteFile(h, d.HeaderFrom(source), 0o644); err != nil {
				return err
			}
			n := fmt.Sprintf("%d peripherals", len(d.Peripherals))
			if len(d.Peripherals) == 1 {
				n = "1 peripheral"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s of %s\n", h, n, file)
			return nil
		},
	}
	c.Flags().StringVarP(&outDir, "output", "o", "", "`DIR` to write inc/hw/<name>.h under (default: the JSON file's directory)")
	return c
}

// sdkBuildOptions are the settings of `sdk build`.
type sdkBuildOptions struct {
	CacheDir, AppDir, HWDir, Target, KeyPath, Out, OutDir, Wasm string
	Temporary, Verbose                                          bool
}

func sdkBuild(cmd *cobra.Command, o sdkBuildOptions) error {
	stdout := cmd.OutOrStdout()
	if st, err := os.Stat(o.AppDir); err != nil {
		return err
	} else if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", o.AppDir)
	}
	if o.HWDir == "" {
		if st, err := os.Stat(filepath.Join(o.AppDir, "hardware-definitions")); err == nil && st.IsDir() {
			o.HWDir = filepath.Join(o.AppDir, "hardware-definitions")
		}
	}
	if o.OutDir == "" {
		o.OutDir = filepath.Join(o.AppDir, "out")
	}
	sdkDir, err := unpackSDK(o.CacheDir)
	if err != nil {
		return err
	}

	// The target hardware definition, checked with its imports and headers.
	var def *hwdef.Definition
	if o.HWDir != "" {
		targetPath, err := findTarget(o.HWDir, o.Target)
		if err != nil {
			return err
		}
		if def, err = hwdef.Load(targetPath, filepath.Join(sdkDir, "hardware-definitions")); err != nil {
			return err
		}
		if err := checkHeaders(def, o.HWDir); err != nil {
			return err
		}
	}

	// The manifest, with every $NAME resolved.
	manifestPath := filepath.Join(o.AppDir, "app_manifest.json")
	src, err := os.ReadFile(manifestPath)
	if err != nil {
		return err
	}
	resolved, res, err := hwdef.ResolveManifest(src, def)
	if err != nil {
		var re *hwdef.ResolveError
		if def == nil && errors.As(err, &re) {
			return fmt.Errorf("%s: %w\n(give the app a hardware definition: --hardware-definitions DIR, or an APPDIR/hardware-definitions directory)", manifestPath, err)
		}
		return fmt.Errorf("%s: %w", manifestPath, err)
	}
	if o.Verbose {
		for _, r := range res {
			fmt.Fprintf(stdout, "resolved %s %s = %v (%s)\n", r.Field, r.Ref, r.Value, r.Via)
		}
	}
	// The entry point comes from the manifest; packApp validates the rest again.
	m, err := manifest.Parse(resolved)
	if err != nil {
		return fmt.Errorf("%s: %w", manifestPath, err)
	}
	entry := strings.TrimPrefix(m.EntryPoint, "/")

	resources, err := readResources(filepath.Join(o.AppDir, "resources"))
	if err != nil {
		return err
	}

	// approot/ mirrors the package.
	approot := filepath.Join(o.OutDir, "approot")
	if err := os.RemoveAll(approot); err != nil {
		return err
	}
	wasmOut := filepath.Join(approot, filepath.FromSlash(entry))
	if err := os.MkdirAll(filepath.Dir(wasmOut), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(approot, "app_manifest.json"), resolved, 0o644); err != nil {
		return err
	}
	for _, f := range resources {
		p := filepath.Join(approot, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}

	var wasm []byte
	if o.Wasm != "" {
		if wasm, err = os.ReadFile(o.Wasm); err != nil {
			return err
		}
		if err := os.WriteFile(wasmOut, wasm, 0o755); err != nil {
			return err
		}
	} else {
		hw := ""
		if def != nil {
			hw = o.HWDir
		}
		tc, err := newToolchain(sdkDir, hw, m.ApplicationType == manifest.RealTimeCapable)
		if err != nil {
			return err
		}
		if err := tc.compile(cmd, o.AppDir, wasmOut, o.Verbose); err != nil {
			return err
		}
		if wasm, err = os.ReadFile(wasmOut); err != nil {
			return err
		}
	}

	key, keyNote := (*ecdsa.PrivateKey)(nil), " (the PUBLIC TEST app key)"
	if o.KeyPath != "" {
		if key, err = loadPrivateKey(o.KeyPath); err != nil {
			return err
		}
		keyNote = ""
	} else if key, err = image.ParsePrivateKeyPEM(sphereemu.TestAppPrivateKey); err != nil {
		return fmt.Errorf("bundled test key: %w", err)
	}
	pkg, _, err := packApp(appPackage{
		ManifestPath: manifestPath, Manifest: resolved, Wasm: wasm, Files: resources, Key: key, Temporary: o.Temporary,
	})
	if err != nil {
		return err
	}
	out := o.Out
	if out == "" {
		out = filepath.Join(o.OutDir, packageFileName(m.Name))
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, pkg, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %q %s, %d files, %d bytes, signed by %X%s\n",
		out, m.Name, m.ComponentID, 2+len(resources), len(pkg), image.Thumbprint(&key.PublicKey), keyNote)
	return nil
}

// findTarget picks the target definition in dir: name if given, else the only *.json there.
func findTarget(dir, name string) (string, error) {
	if name != "" {
		p := filepath.Join(dir, name)
		if filepath.IsAbs(name) || strings.ContainsAny(name, `/\`) {
			p = name
		}
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("target hardware definition: %w", err)
		}
		return p, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return "", err
	}
	switch len(files) {
	case 1:
		return files[0], nil
	case 0:
		if _, err := os.Stat(dir); err != nil {
			return "", fmt.Errorf("hardware definitions: %w", err)
		}
		return "", fmt.Errorf("no hardware-definition file (*.json) in %s", dir)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	return "", usageErrorf("%s holds several hardware definitions (%s): choose one with --target-definition", dir, strings.Join(names, ", "))
}

// checkHeaders fails when a definition file in dir has no generated header
// in dir/inc/hw, or a stale one.
func checkHeaders(d *hwdef.Definition, dir string) error {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for _, f := range d.Files() {
		abs, err := filepath.Abs(f.Path)
		if err != nil || filepath.Dir(abs) != absDir {
			continue
		}
		h := filepath.Join(dir, "inc", "hw", f.HeaderName())
		got, err := os.ReadFile(h)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%s is missing: generate it with `sphere-emu sdk gen-header %s`", h, f.Path)
		case err != nil:
			return err
		case !bytes.Equal(got, f.Header()):
			return fmt.Errorf("%s is out of date with %s: regenerate it with `sphere-emu sdk gen-header %s`", h, f.Path, f.Path)
		}
	}
	return nil
}

// readResources reads every regular file under dir (which may not exist) as resources/<path>.
func readResources(dir string) ([]image.File, error) {
	var files []image.File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		st, err := os.Stat(p) // follows symlinks
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("resource %s is not a regular file", p)
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, image.File{Path: "resources/" + filepath.ToSlash(rel), Mode: 0o644, Data: data})
		return nil
	})
	return files, err
}

// packageFileName is the default package name for an app called name.
func packageFileName(name string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, name)
	if strings.Trim(safe, "._") == "" {
		safe = "app"
	}
	return safe + ".imagepackage"
}

// toolchain is how apps are compiled: the compiler and its arguments.
type toolchain struct {
	CC      []string // $CC split into words, default clang
	CFLAGS  []string // the SDK's flags and include directories
	LDFLAGS []string
	Sources []string // the SDK's C sources, sorted
}

// newToolchain returns the toolchain for the SDK unpacked in sdkDir and,
// if hwDir is not empty, an app whose hardware definitions are in hwDir.
// A real-time app builds against sdk/rt with its own flags (sdk/rt/flags.sh):
// no WASI, the TCM's 192 KiB, rt_main and rt_irq exported.
func newToolchain(sdkDir, hwDir string, realtime bool) (*toolchain, error) {
	flagsFile, prefix := "sdk/flags.sh", "SPHERE_EMU_"
	if realtime {
		flagsFile, prefix = "sdk/rt/flags.sh", "SPHERE_EMU_RT_"
	}
	flags, err := sphereemu.SDK.ReadFile(flagsFile)
	if err != nil {
		return nil, err
	}
	vars, err := parseFlagsFile(flags)
	if err != nil {
		return nil, fmt.Errorf("bundled %s: %w", flagsFile, err)
	}
	tc := &toolchain{CC: strings.Fields(os.Getenv("CC"))}
	if len(tc.CC) == 0 {
		tc.CC = []string{"clang"}
	}
	tc.CFLAGS = strings.Fields(vars[prefix+"CFLAGS"])
	tc.LDFLAGS = strings.Fields(vars[prefix+"LDFLAGS"])
	if len(tc.CFLAGS) == 0 || len(tc.LDFLAGS) == 0 {
		return nil, fmt.Errorf("bundled %s: %sCFLAGS or %sLDFLAGS is empty", flagsFile, prefix, prefix)
	}
	if realtime {
		rt := filepath.Join(sdkDir, "rt")
		tc.CFLAGS = append(tc.CFLAGS, "-I", filepath.Join(rt, "include"))
		if tc.Sources, err = filepath.Glob(filepath.Join(rt, "lib", "*.c")); err != nil {
			return nil, err
		}
		sort.Strings(tc.Sources)
		return tc, nil
	}
	if hwDir != "" {
		abs, err := filepath.Abs(hwDir)
		if err != nil {
			return nil, err
		}
		tc.CFLAGS = append(tc.CFLAGS, "-I", filepath.Join(abs, "inc"))
	}
	hw := filepath.Join(sdkDir, "hardware-definitions")
	// <hw/NAME.h> from the app's and the SDK's inc/; the generated headers'
	// #include "mt3620_rdb.h" from the SDK's inc/hw.
	tc.CFLAGS = append(tc.CFLAGS,
		"-I", filepath.Join(sdkDir, "include"),
		"-I", filepath.Join(hw, "inc"),
		"-iquote", filepath.Join(hw, "inc", "hw"))
	tc.Sources, err = filepath.Glob(filepath.Join(sdkDir, "lib", "*.c"))
	if err != nil {
		return nil, err
	}
	sort.Strings(tc.Sources)
	return tc, nil
}

// flagLine is one NAME="words" line of sdk/flags.sh.
var flagLine = regexp.MustCompile(`^([A-Z_][A-Z0-9_]*)="([^"$\x60\\]*)"$`)

// parseFlagsFile reads sdk/flags.sh: comments, blank lines and NAME="words" lines.
func parseFlagsFile(b []byte) (map[string]string, error) {
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := flagLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("line %d: want NAME=\"words\" (no expansions), got %q", n, line)
		}
		vars[m[1]] = m[2]
	}
	return vars, sc.Err()
}

// compile builds APPDIR/*.c with the SDK's sources into out, running in appDir.
func (tc *toolchain) compile(cmd *cobra.Command, appDir, out string, verbose bool) error {
	cc, err := exec.LookPath(tc.CC[0])
	if err != nil {
		return fmt.Errorf("C compiler %q not found (set $CC, or install clang for wasm32-wasi: %s): %w", tc.CC[0], installHint, err)
	}
	appSources, err := filepath.Glob(filepath.Join(appDir, "*.c"))
	if err != nil {
		return err
	}
	if len(appSources) == 0 {
		return fmt.Errorf("no C sources (*.c) in %s", appDir)
	}
	sort.Strings(appSources)
	absOut, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	// Same order as testdata/apps/build.sh: flags, SDK sources, app sources, linker flags.
	args := append([]string{}, tc.CC[1:]...)
	args = append(args, tc.CFLAGS...)
	args = append(args, tc.Sources...)
	for _, s := range appSources {
		args = append(args, filepath.Base(s))
	}
	args = append(args, tc.LDFLAGS...)
	args = append(args, "-o", absOut)
	if verbose {
		fmt.Fprintf(cmd.OutOrStdout(), "(cd %s && %s %s)\n", shellQuote(appDir), shellQuote(tc.CC[0]), joinQuoted(args))
	}
	var diag bytes.Buffer
	c := exec.Command(cc, args...)
	c.Dir = appDir
	c.Stdout = cmd.ErrOrStderr()
	c.Stderr = io.MultiWriter(cmd.ErrOrStderr(), &diag)
	if err := c.Run(); err != nil {
		msg := fmt.Sprintf("compiling %s: %s %v", appDir, tc.CC[0], err)
		if hint := toolchainHint(diag.String()); hint != "" {
			msg += "\n" + hint
		}
		return errors.New(msg)
	}
	return nil
}

// missingToolchain matches compiler messages that mean part of the
// wasm32-wasi toolchain (wasm-ld, wasi-libc, the compiler runtime) is not installed.
var missingToolchain = regexp.MustCompile(`'(errno|stdio|stdlib|string|stdint|stddef|stdbool|time|unistd)\.h' file not found|"wasm-ld"|wasm-ld: not found|crt1[-a-z]*\.o|unable to find library -lc|libclang_rt\.builtins-wasm32|No available targets are compatible with triple "wasm32`)

// toolchainHint returns install advice when diag shows a missing toolchain part.
func toolchainHint(diag string) string {
	if missingToolchain.MatchString(diag) {
		return "the wasm32-wasi toolchain looks incomplete (wasm-ld, wasi-libc or the clang runtime is missing); install it with: " + installHint
	}
	return ""
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=,:+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// joinQuoted shell-quotes each word and joins them with spaces.
func joinQuoted(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}

// unpackSDK unpacks the bundled SDK into a directory named after its
// content under cacheDir (default: the user cache dir's sphere-emu/sdk, or
// the temporary directory) and returns that directory. An existing
// directory is reused: it is only ever created complete, by renaming.
func unpackSDK(cacheDir string) (string, error) {
	root, err := fs.Sub(sphereemu.SDK, "sdk")
	if err != nil {
		return "", err
	}
	type entry struct {
		path string
		data []byte
	}
	var files []entry
	h := sha256.New()
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		files = append(files, entry{p, b})
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("bundled SDK: %w", err)
	}
	id := hex.EncodeToString(h.Sum(nil)[:8])

	bases := []string{cacheDir}
	if cacheDir == "" {
		bases = nil
		if d, err := os.UserCacheDir(); err == nil {
			bases = append(bases, filepath.Join(d, "sphere-emu", "sdk"))
		}
		bases = append(bases, filepath.Join(os.TempDir(), fmt.Sprintf("sphere-emu-sdk-%d", os.Getuid())))
	}
	var firstErr error
	for _, base := range bases {
		dir, err := unpackInto(base, id, func(tmp string) error {
			for _, f := range files {
				p := filepath.Join(tmp, filepath.FromSlash(f.path))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(p, f.data, 0o644); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			return dir, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return "", fmt.Errorf("unpacking the bundled SDK: %w", firstErr)
}

// unpackInto makes base/id with write, atomically, unless it exists.
func unpackInto(base, id string, write func(tmp string) error) (string, error) {
	dir := filepath.Join(base, id)
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir, nil
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(base, id+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := write(tmp); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another sphere-emu may have unpacked the same SDK meanwhile.
		if st, err2 := os.Stat(dir); err2 == nil && st.IsDir() {
			return dir, nil
		}
		return "", err
	}
	return dir, nil
}
