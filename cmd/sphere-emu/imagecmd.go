package main

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	sphereemu "github.com/sphere-emu/sphere-emu"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/manifest"
)

func newImageCmd() *cobra.Command {
	c := &cobra.Command{Use: "image", Short: "Pack app image packages, build flash images, inspect both"}
	c.AddCommand(newPackAppCmd(), newBuildCmd(), newInspectCmd(), newCorruptCmd())
	return c
}

func loadPrivateKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := image.ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

func loadPublicKey(path string) (*ecdsa.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := image.ParsePublicKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// buildDate is SOURCE_DATE_EPOCH when set (reproducible builds), else now.
func buildDate() (uint64, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, usageErrorf("SOURCE_DATE_EPOCH=%q is not a Unix time", s)
		}
		return v, nil
	}
	return uint64(time.Now().Unix()), nil
}

func newPackAppCmd() *cobra.Command {
	var manifestPath, wasmPath, keyPath, out string
	var temporary bool
	var appSVN uint32
	c := &cobra.Command{
		Use:   "pack-app --manifest app_manifest.json --wasm app.wasm --key KEY -o app.imagepackage",
		Short: "Pack and sign a WASM app and its manifest as an image package",
		Long: `Pack app_manifest.json and app.wasm (as the manifest's EntryPoint, normally
/bin/app) into an Applications image package signed with KEY. The manifest is
validated as the device will validate it; '$NAME' hardware-definition
references must already be resolved. SOURCE_DATE_EPOCH fixes the build date.`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if manifestPath == "" || wasmPath == "" || keyPath == "" || out == "" {
				return usageErrorf("--manifest, --wasm, --key and -o are all required")
			}
			mb, err := os.ReadFile(manifestPath)
			if err != nil {
				return err
			}
			wasm, err := os.ReadFile(wasmPath)
			if err != nil {
				return err
			}
			key, err := loadPrivateKey(keyPath)
			if err != nil {
				return err
			}
			pkg, m, err := packApp(appPackage{ManifestPath: manifestPath, Manifest: mb, Wasm: wasm, Key: key, Temporary: temporary, SVN: appSVN})
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, pkg, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %q %s, %d bytes, signed by %x\n", out, m.Name, m.ComponentID, len(pkg), image.Thumbprint(&key.PublicKey))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&manifestPath, "manifest", "", "the app's app_manifest.json")
	f.StringVar(&wasmPath, "wasm", "", "the app's WASM module")
	f.StringVar(&keyPath, "key", "", "PEM private key that signs the package")
	f.StringVarP(&out, "output", "o", "", "output image package")
	f.BoolVar(&temporary, "temporary", false, "mark the package as under development (TP section)")
	f.Uint32Var(&appSVN, "svn", 0, "security version for anti-rollback (RV section; 0 writes none): once a device runs it, older versions of the app are refused")
	return c
}

// appPackage is what packApp packs into an Applications image package.
type appPackage struct {
	ManifestPath string       // where Manifest came from, for error messages
	Manifest     []byte       // app_manifest.json with every "$NAME" reference resolved
	Wasm         []byte       // the app's WASM module
	Files        []image.File // further files, such as resources/...
	Key          *ecdsa.PrivateKey
	Temporary    bool   // mark the package as under development (TP section)
	SVN          uint32 // security version for anti-rollback (RV section; 0: none)
}

// packApp validates the manifest as the device will and builds the signed
// package: app_manifest.json, the module at the manifest's EntryPoint (normally
// bin/app) and p.Files. SOURCE_DATE_EPOCH fixes the build date. Both
// `image pack-app` and `sdk build` pack through it.
func packApp(p appPackage) ([]byte, *manifest.Manifest, error) {
	m, err := manifest.Parse(p.Manifest)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", p.ManifestPath, err)
	}
	cid, err := image.ParseGUID(m.ComponentID)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: ComponentId: %w", p.ManifestPath, err)
	}
	date, err := buildDate()
	if err != nil {
		return nil, nil, err
	}
	entry := m.EntryPoint
	if len(entry) > 0 && entry[0] == '/' {
		entry = entry[1:]
	}
	files := []image.File{{Path: "app_manifest.json", Mode: 0o644, Data: p.Manifest}, {Path: entry, Mode: 0o755, Data: p.Wasm}}
	opts := image.AppOptions{
		ComponentID: cid, Name: m.Name, Key: p.Key, BuildDate: date,
		Files: append(files, p.Files...),
	}
	opts.SVN = p.SVN
	if p.Temporary {
		opts.Temporary = 2 // UnderDevelopment
	}
	pkg, err := image.BuildApp(opts)
	if err != nil {
		return nil, nil, err
	}
	return pkg, m, nil
}

func newBuildCmd() *cobra.Command {
	var apps []string
	var keysDir, out, osVersion string
	var svn uint32
	var trust, trustTest []string
	c := &cobra.Command{
		Use:   "build --app PKG... --keys DIR -o image.bin",
		Short: "Build a flash image: keystore, boot stages with backups, OS, apps",
		Long: `Build a flash image holding the locator table (and its backup), the trusted
keystore, the 1BL, Pluton runtime and Security Monitor (each with a backup
copy), the kernel and root file system, one partition per app package, and
empty partitions for update staging, mutable storage, logs and telemetry.
Boot and OS images are signed with DIR/platform-root.key.pem; the keystore
trusts DIR/app-signing.pub.pem (and each --trust key) for app packages.
Layout: docs/image-format.md. SOURCE_DATE_EPOCH fixes the build date.`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keysDir == "" || out == "" {
				return usageErrorf("--keys and -o are required")
			}
			pk, err := loadPrivateKey(filepath.Join(keysDir, platformKeyFile))
			if err != nil {
				return err
			}
			appKey, err := loadPublicKey(filepath.Join(keysDir, appPubFile))
			if err != nil {
				return err
			}
			appKeys := []*ecdsa.PublicKey{appKey}
			for _, t := range trust {
				k, err := loadPublicKey(t)
				if err != nil {
					return err
				}
				appKeys = append(appKeys, k)
			}
			var testKeys []*ecdsa.PublicKey
			for _, t := range trustTest {
				k, err := loadPublicKey(t)
				if err != nil {
					return err
				}
				testKeys = append(testKeys, k)
			}
			var pkgs [][]byte
			for _, a := range apps {
				b, err := os.ReadFile(a)
				if err != nil {
					return err
				}
				pkgs = append(pkgs, b)
			}
			date, err := buildDate()
			if err != nil {
				return err
			}
			img, err := image.BuildFlash(image.BuildOptions{
				PlatformKey: pk, AppKeys: appKeys, TestAppKeys: testKeys, Apps: pkgs, SVN: svn, OSVersion: osVersion, BuildDate: date,
			})
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, img, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d bytes, %d app(s), OS %s, svn %d\n", out, len(img), len(pkgs), osVersion, svn)
			return nil
		},
	}
	f := c.Flags()
	f.StringArrayVar(&apps, "app", nil, "app image package to install (repeatable)")
	f.StringVar(&keysDir, "keys", "", "directory made by 'sphere-emu keys gen'")
	f.StringVarP(&out, "output", "o", "", "output flash image")
	f.StringVar(&osVersion, "os-version", "26.11", "OS version recorded in the boot and OS stages")
	f.Uint32Var(&svn, "svn", 1, "security version number (anti-rollback) of the boot and OS stages")
	f.StringArrayVar(&trust, "trust", nil, "extra PEM public key trusted for app packages (repeatable)")
	f.StringArrayVar(&trustTest, "trust-test", nil, "PEM public key of an SDK test key: the app packages it signs run only on a device with the appDevelopment capability (repeatable)")
	return c
}

func newInspectCmd() *cobra.Command {
	var asJSON bool
	var keys []string
	c := &cobra.Command{
		Use:   "inspect FILE",
		Short: "Show the sections, IDs, versions and signature status of a flash image or image package",
		Long: `Inspect a flash image or an image package. For a flash image, signatures are
checked against its own keystore (whose platform key is itself unverified
here: the device checks it against its fuses). For a lone package, against
the bundled public test keys and each --key.`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			trusted, err := testKeys()
			if err != nil {
				return err
			}
			for _, k := range keys {
				pub, err := loadPublicKey(k)
				if err != nil {
					return err
				}
				trusted = append(trusted, image.KeystoreEntry{PublicKey: pub, Thumbprint: image.Thumbprint(pub), Usage: image.UsagePlatform | image.UsageApplications})
			}
			r, err := image.Inspect(b, trusted)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			return r.WriteText(cmd.OutOrStdout())
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().StringArrayVar(&keys, "key", nil, "PEM public key to trust when checking signatures (repeatable)")
	return c
}

// testKeys returns the bundled public test keys as trusted entries.
func testKeys() ([]image.KeystoreEntry, error) {
	var out []image.KeystoreEntry
	for _, k := range []struct {
		pem   []byte
		usage image.KeyUsage
	}{{sphereemu.TestPlatformPublicKey, image.UsagePlatform}, {sphereemu.TestAppPublicKey, image.UsageApplications}} {
		pub, err := image.ParsePublicKeyPEM(k.pem)
		if err != nil {
			return nil, fmt.Errorf("bundled test key: %w", err)
		}
		out = append(out, image.KeystoreEntry{PublicKey: pub, Thumbprint: image.Thumbprint(pub), Usage: k.usage})
	}
	return out, nil
}
