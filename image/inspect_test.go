package image

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func testFlash(t *testing.T) []byte {
	t.Helper()
	b, err := BuildFlash(testFlashOptions(t))
	require.NoError(t, err)
	return b
}

// flipInPartition flips one payload byte of the n-th partition holding image type it.
func flipInPartition(t *testing.T, b []byte, pt PartitionType, it ImageType, at uint32) []byte {
	t.Helper()
	loc, err := ParseLocator(b)
	require.NoError(t, err)
	p, ok := loc.Find(pt, it)
	require.True(t, ok)
	bad := bytes.Clone(b)
	bad[p.Offset+at] ^= 0x10
	return bad
}

func trustedEntries(t *testing.T) []KeystoreEntry {
	p, a := &testKey(t, "platform").PublicKey, &testKey(t, "app").PublicKey
	return []KeystoreEntry{
		{PublicKey: p, Thumbprint: Thumbprint(p), Usage: UsagePlatform},
		{PublicKey: a, Thumbprint: Thumbprint(a), Usage: UsageApplications},
	}
}

func TestInspectFlash(t *testing.T) {
	r, err := Inspect(testFlash(t), nil)
	require.NoError(t, err)
	require.Equal(t, KindFlashImage, r.Kind)
	require.Equal(t, "primary", r.Locator.Table)
	require.Empty(t, r.Locator.BackupError)
	require.Equal(t, uint32(DefaultFlashSize), r.Locator.FlashSize)
	require.Len(t, r.Locator.Partitions, 17)
	require.Equal(t, PartitionReport{Name: "locator", Type: "LocatorTable", Offset: 0, Size: 4096, Length: 4096}, r.Locator.Partitions[0])
	require.Len(t, r.Packages, 11)
	for _, p := range r.Packages {
		require.Equal(t, "ok", p.Signature, "%+v", p)
		require.Empty(t, p.Error, "%+v", p)
		require.NotZero(t, p.Offset)
		switch p.ImageType {
		case "Applications":
			require.Regexp(t, `^app[01]$`, p.Partition)
			require.Equal(t, "keystore: applications", p.SignerKnown)
			require.Equal(t, []string{"app_manifest.json", "bin/app"}, p.Files)
			require.Equal(t, []string{"ID", "SG", "DB", "ND"}, p.Sections)
		case "TrustedKeystore":
			require.Equal(t, "keystore: platform", p.SignerKnown)
			require.Len(t, p.Keys, 2)
			require.Equal(t, "trusted-keystore", p.Name)
			require.Equal(t, uint32(3), p.SVN)
		default:
			require.Equal(t, "keystore: platform", p.SignerKnown)
			require.Equal(t, uint32(3), p.SVN)
			require.Equal(t, uint64(1_700_000_000), p.BuildDate)
		}
	}
}

func TestInspectBadSignature(t *testing.T) {
	b := flipInPartition(t, testFlash(t), PartitionTypeApplications, ImageTypeApplications, 20)
	r, err := Inspect(b, nil)
	require.NoError(t, err)
	var bad []string
	for _, p := range r.Packages {
		if p.Signature != "ok" {
			bad = append(bad, p.ImageType+": "+p.Signature)
		}
	}
	require.Equal(t, []string{"Applications: bad signature"}, bad)
}

func TestInspectDamagedKeystore(t *testing.T) {
	// A flipped keystore byte breaks its signature, so none of its keys are trusted.
	b := flipInPartition(t, testFlash(t), PartitionTypeFirmware, ImageTypeTrustedKeystore, 8+88+84)
	r, err := Inspect(b, nil)
	require.NoError(t, err)
	for _, p := range r.Packages {
		require.Equal(t, "unknown signer", p.Signature, p.ImageType)
		require.Empty(t, p.SignerKnown)
	}
	// Given the keys, the keystore itself is reported bad and the rest ok.
	r, err = Inspect(b, trustedEntries(t))
	require.NoError(t, err)
	for _, p := range r.Packages {
		if p.ImageType == "TrustedKeystore" {
			require.Equal(t, "bad signature", p.Signature)
			continue
		}
		require.Equal(t, "ok", p.Signature, p.ImageType)
		require.True(t, strings.HasPrefix(p.SignerKnown, "trusted: "), p.SignerKnown)
	}
}

func TestInspectLocatorBackup(t *testing.T) {
	good := testFlash(t)

	primaryBad := bytes.Clone(good)
	primaryBad[20] ^= 1
	r, err := Inspect(primaryBad, nil)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(r.Locator.Table, "backup (primary: image locator: CRC is"), r.Locator.Table)
	require.Len(t, r.Packages, 11)
	for _, p := range r.Packages {
		require.Equal(t, "ok", p.Signature)
	}

	// A destroyed primary magic is still recognised as a flash image.
	noMagic := bytes.Clone(good)
	copy(noMagic, "XXXX")
	r, err = Inspect(noMagic, nil)
	require.NoError(t, err)
	require.Equal(t, KindFlashImage, r.Kind)
	require.Contains(t, r.Locator.Table, "backup (primary: image locator: magic")

	backupBad := bytes.Clone(good)
	backupBad[LocatorBackupOffset+20] ^= 1
	r, err = Inspect(backupBad, nil)
	require.NoError(t, err)
	require.Equal(t, "primary", r.Locator.Table)
	require.Contains(t, r.Locator.BackupError, "CRC")

	bothBad := bytes.Clone(primaryBad)
	bothBad[LocatorBackupOffset+20] ^= 1
	_, err = Inspect(bothBad, nil)
	require.ErrorContains(t, err, "no usable locator table: primary: image locator: CRC")
}

func TestInspectTruncatedFlash(t *testing.T) {
	b := testFlash(t)
	r, err := Inspect(b[:len(b)-10], nil)
	require.NoError(t, err)
	last := r.Packages[len(r.Packages)-1]
	require.Equal(t, "not checked", last.Signature)
	require.Contains(t, last.Error, "past the end of the image file")
	require.Equal(t, "app1", last.Partition)
}

func TestInspectLocatorMismatch(t *testing.T) {
	app := testApp(t, "blink")
	b, err := layoutFlash(DefaultFlashSize, []flashItem{{ptype: PartitionTypeFirmware, itype: ImageTypeOneBL, data: app}})
	require.NoError(t, err)
	r, err := Inspect(b, trustedEntries(t))
	require.NoError(t, err)
	require.Len(t, r.Packages, 1)
	require.Equal(t, "ok", r.Packages[0].Signature)
	require.Contains(t, r.Packages[0].Error, "locator says the partition holds a OneBL image")
}

func TestInspectPackage(t *testing.T) {
	app := testApp(t, "blink")
	platformSigned, err := BuildApp(AppOptions{ComponentID: GUID{9}, Name: "x", Key: testKey(t, "platform")})
	require.NoError(t, err)
	badSig := bytes.Clone(app)
	badSig[len(badSig)-1] ^= 1
	tests := []struct {
		name        string
		b           []byte
		trusted     []KeystoreEntry
		signature   string
		signerKnown string
		errText     string
	}{
		{"unknown signer", app, nil, "unknown signer", "", ""},
		{"trusted", app, trustedEntries(t), "ok", "trusted: applications", ""},
		{"bad signature", badSig, trustedEntries(t), "bad signature", "trusted: applications", ""},
		{"wrong usage", platformSigned, trustedEntries(t), "ok", "trusted: platform", "does not allow signing Applications images"},
		{"garbage", []byte("not a package"), nil, "not checked", "", "image package: 13 bytes is shorter"},
		{"empty", nil, nil, "not checked", "", "shorter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Inspect(tt.b, tt.trusted)
			require.NoError(t, err)
			require.Equal(t, KindImagePackage, r.Kind)
			require.Nil(t, r.Locator)
			require.Len(t, r.Packages, 1)
			p := r.Packages[0]
			require.Equal(t, tt.signature, p.Signature)
			require.Equal(t, tt.signerKnown, p.SignerKnown)
			if tt.errText == "" {
				require.Empty(t, p.Error)
			} else {
				require.Contains(t, p.Error, tt.errText)
			}
		})
	}
}

func TestReportOutput(t *testing.T) {
	r, err := Inspect(testFlash(t), nil)
	require.NoError(t, err)

	var text bytes.Buffer
	require.NoError(t, r.WriteText(&text))
	out := text.String()
	for _, want := range []string{
		`^flash-image\n`, `locator table: +primary`, `locator +LocatorTable +- +0x000000 +0x001000 +4096`,
		`update-staging +UpdateStaging +- +0x[0-9a-f]{6} +0x100000 +0\n`,
		`package in partition 1bl-backup at 0x004000`, `image type: +OneBL`,
		`signature: +ok`, `file: +bin/app`, `\(keystore: platform\)`, `build date: +1700000000 \(2023-11-14T22:13:20Z\)`,
	} {
		require.Regexp(t, want, out)
	}

	js, err := json.Marshal(r)
	require.NoError(t, err)
	var generic map[string]any
	require.NoError(t, json.Unmarshal(js, &generic))
	require.Equal(t, "flash-image", generic["kind"])
	pkg := generic["packages"].([]any)[0].(map[string]any)
	for _, key := range []string{"partition", "offset", "image_type", "component_id", "image_id", "name", "build_date", "svn", "sections", "signer", "signer_known", "signature", "payload_size", "keys"} {
		require.Contains(t, pkg, key)
	}
	require.NotContains(t, pkg, "error")

	var nilReport *Report
	require.Error(t, nilReport.WriteText(&text))
	require.Error(t, r.WriteText(failWriter{}))
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
