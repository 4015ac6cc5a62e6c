package image

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes r in human-readable form: the locator table, then one block per package.
func (r *Report) WriteText(w io.Writer) error {
	if r == nil {
		return errors.New("image: write report: nil report")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	ew := &errWriter{w: tw}
	ew.printf("%s\n", r.Kind)
	if l := r.Locator; l != nil {
		ew.printf("locator table:\t%s\n", l.Table)
		if l.BackupError != "" {
			ew.printf("backup table:\tunusable (%s)\n", l.BackupError)
		}
		ew.printf("flash size:\t0x%x (%d KiB)\n", l.FlashSize, l.FlashSize/1024)
		ew.printf("\n  NAME\tTYPE\tIMAGE\tOFFSET\tSIZE\tLENGTH\n")
		for _, p := range l.Partitions {
			it := p.ImageType
			if it == "" {
				it = "-"
			}
			ew.printf("  %s\t%s\t%s\t0x%06x\t0x%06x\t%d\n", p.Name, p.Type, it, p.Offset, p.Size, p.Length)
		}
	}
	for _, p := range r.Packages {
		ew.printf("\n")
		if p.Partition != "" {
			ew.printf("package in partition %s at 0x%06x\n", p.Partition, p.Offset)
		} else {
			ew.printf("package\n")
		}
		if p.ComponentID != "" {
			ew.printf("  image type:\t%s\n", p.ImageType)
			ew.printf("  component id:\t%s\n", p.ComponentID)
			ew.printf("  image id:\t%s\n", p.ImageID)
			ew.printf("  name:\t%s\n", p.Name)
			ew.printf("  build date:\t%s\n", formatDate(p.BuildDate))
			ew.printf("  svn:\t%d\n", p.SVN)
			ew.printf("  sections:\t%s\n", strings.Join(p.Sections, " "))
			ew.printf("  payload:\t%d bytes\n", p.PayloadSize)
			signer := p.Signer
			if p.SignerKnown != "" {
				signer += " (" + p.SignerKnown + ")"
			}
			ew.printf("  signer:\t%s\n", signer)
		}
		ew.printf("  signature:\t%s\n", p.Signature)
		if p.Error != "" {
			ew.printf("  error:\t%s\n", p.Error)
		}
		for _, f := range p.Files {
			ew.printf("  file:\t%s\n", f)
		}
		for _, k := range p.Keys {
			ew.printf("  key:\t%s\n", k)
		}
	}
	if ew.err != nil {
		return fmt.Errorf("image: write report: %w", ew.err)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("image: write report: %w", err)
	}
	return nil
}

// formatDate renders Unix seconds with their UTC date when that is a plausible year.
func formatDate(secs uint64) string {
	const year10000 = 253402300800 // 10000-01-01T00:00:00Z
	if secs >= year10000 {
		return fmt.Sprintf("%d", secs)
	}
	return fmt.Sprintf("%d (%s)", secs, time.Unix(int64(secs), 0).UTC().Format(time.RFC3339))
}

// errWriter formats to w and remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
