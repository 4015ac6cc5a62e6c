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
	SVN         uint32 // security version (RV section) for anti-rollback; 0 writes none
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
			ImageID:     DeriveImageID(o.ComponentID, payload, o.SVN, o.BuildDate),
		},
		Debug:   &Debug{BuildDate: o.BuildDate, Name: truncateName(o.Name, debugNameLen-1)},
		Depends: depends,
	}
	if o.Temporary != 0 {
		t := o.Temporary
		md.Temporary = &t
	}
	if o.SVN != 0 {
		svn := o.SVN
		md.SVN = &svn
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

// RebuildApp builds an application package again from another's files,
// component ID and name, signed by key with another build date: the same
// app as a new image (a new image ID and digest) — "version 2" of an app.
func RebuildApp(pkg []byte, key *ecdsa.PrivateKey, buildDate uint64) ([]byte, error) {
	p, err := ParsePackage(pkg)
	if err != nil {
		return nil, err
	}
	if p.Metadata.Identity.Type != ImageTypeApplications {
		return nil, fmt.Errorf("image app: a %s image is not an application", p.Metadata.Identity.Type)
	}
	fs, err := ParseFS(p.Payload)
	if err != nil {
		return nil, err
	}
	name := ""
	if p.Metadata.Debug != nil {
		name = p.Metadata.Debug.Name
	}
	return BuildApp(AppOptions{ComponentID: p.Metadata.Identity.ComponentID, Name: name, Files: fs.Files(), Key: key, BuildDate: buildDate})
}

// ResignApp signs an application package again with key, keeping its
// payload and every metadata section but the signer's: the same image (the
// same image ID) vouched for by another key, as the security service
// re-signs an uploaded image with its production key.
func ResignApp(pkg []byte, key *ecdsa.PrivateKey) ([]byte, error) {
	p, err := ParsePackage(pkg)
	if err != nil {
		return nil, err
	}
	if p.Metadata.Identity.Type != ImageTypeApplications {
		return nil, fmt.Errorf("image app: a %s image is not an application", p.Metadata.Identity.Type)
	}
	return BuildPackage(p.Payload, p.Metadata, key)
}
