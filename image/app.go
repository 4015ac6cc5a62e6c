package image

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"unicode/utf8"
)

// AppOptions describes an application image package for BuildApp.
type AppOptions struct {
	ComponentID GUID
	Name        string // DB name; truncated to 31 bytes
	Files       []File // payload file tree, e.g. "app_manifest.json" and "bin/app"
	Key         *ecdsa.PrivateKey
	BuildDate   uint64 // Unix seconds
	Temporary   uint32 // TP flag; 0 writes no TP section
	Depends     []ABI  // nil means {ApplicationRuntimeVersion, ABIApplicationRuntime}
}

// BuildApp builds and signs an Applications image package whose payload is BuildFS(o.Files).
func BuildApp(o AppOptions) ([]byte, error) {
	if o.Key == nil {
		return nil, errors.New("image app: no signing key")
	}
	if o.ComponentID.IsZero() {
		return nil, errors.New("image app: component ID is the nil GUID")
	}
	payload, err := BuildFS(o.Files)
	if err != nil {
		return nil, fmt.Errorf("image app %q: %w", o.Name, err)
	}
	depends := o.Depends
	if depends == nil {
		depends = []ABI{{Version: ApplicationRuntimeVersion, Identity: ABIApplicationRuntime}}
	}
	md := Metadata{
		Identity: &Identity{
			Type:        ImageTypeApplications,
			ComponentID: o.ComponentID,
			ImageID:     DeriveImageID(o.ComponentID, payload, 0, o.BuildDate),
		},
		Debug:   &Debug{BuildDate: o.BuildDate, Name: truncateName(o.Name, debugNameLen-1)},
		Depends: depends,
	}
	if o.Temporary != 0 {
		t := o.Temporary
		md.Temporary = &t
	}
	pkg, err := BuildPackage(payload, md, o.Key)
	if err != nil {
		return nil, fmt.Errorf("image app %q: %w", o.Name, err)
	}
	return pkg, nil
}

// truncateName cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncateName(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
