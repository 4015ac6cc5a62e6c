package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/service/client"
)

// Environment variables the admin commands read when a flag is not given.
const (
	envService = "SPHERE_EMU_SERVICE"    // --service URL
	envToken   = "SPHERE_EMU_TOKEN"      // --token
	envCA      = "SPHERE_EMU_SERVICE_CA" // --ca FILE
	envData    = "SPHERE_EMU_DATA"       // --data DIR
	envTenant  = "SPHERE_EMU_TENANT"     // --tenant
)

// adminConn holds the flags that say how to reach the service.
type adminConn struct {
	service, token, ca, data, tenant string
}

const connHelp = `
Reaching the service: --service URL, --token TOKEN and --ca FILE (the
service CA), or --data DIR for a local service, which reads DIR/url,
DIR/admin-token and DIR/service-ca.pem. Unset flags fall back to
SPHERE_EMU_SERVICE, SPHERE_EMU_TOKEN, SPHERE_EMU_SERVICE_CA and
SPHERE_EMU_DATA. --tenant (or SPHERE_EMU_TENANT) names the tenant by name
or ID; it may be left out while the service has one tenant.`

// addFlags adds the connection flags (and --tenant if the command acts on one).
func (a *adminConn) addFlags(c *cobra.Command, tenant bool) {
	c.Flags().StringVar(&a.service, "service", "", "service URL, e.g. https://127.0.0.1:8443 (env "+envService+")")
	c.Flags().StringVar(&a.token, "token", "", "admin token (env "+envToken+")")
	c.Flags().StringVar(&a.ca, "ca", "", "service CA certificate file (env "+envCA+")")
	c.Flags().StringVar(&a.data, "data", "", "data directory of a local service: its url, admin-token and service-ca.pem (env "+envData+")")
	if tenant {
		c.Flags().StringVar(&a.tenant, "tenant", "", "tenant name or ID (env "+envTenant+"; optional while there is one tenant)")
	}
	c.Long = strings.TrimSpace(c.Long + "\n" + connHelp)
}

// tenantRef returns the tenant to act on.
func (a *adminConn) tenantRef() string {
	if a.tenant != "" {
		return a.tenant
	}
	return os.Getenv(envTenant)
}

// client builds the admin client: flags first, then --data, then the environment.
func (a *adminConn) client() (*client.Client, error) {
	url, token, caFile := a.service, a.token, a.ca
	data := a.data
	if data == "" && (url == "" || token == "") {
		data = os.Getenv(envData)
	}
	if data != "" {
		read := func(name string) (string, error) {
			b, err := os.ReadFile(filepath.Join(data, name))
			if errors.Is(err, os.ErrNotExist) && name == service.URLFile {
				return "", fmt.Errorf("%s does not exist: is `sphere-emu service --data %s` running?", filepath.Join(data, name), data)
			}
			if err != nil {
				return "", err
			}
			return strings.TrimSpace(string(b)), nil
		}
		var err error
		if url == "" {
			if url, err = read(service.URLFile); err != nil {
				return nil, err
			}
		}
		if token == "" {
			if token, err = read(service.AdminTokenFile); err != nil {
				return nil, err
			}
		}
		if caFile == "" {
			caFile = filepath.Join(data, service.ServiceCAFile)
		}
	}
	if url == "" {
		url = os.Getenv(envService)
	}
	if token == "" {
		token = os.Getenv(envToken)
	}
	if caFile == "" {
		caFile = os.Getenv(envCA)
	}
	if url == "" {
		return nil, usageErrorf("which service? pass --service URL or --data DIR (or set %s)", envService)
	}
	if token == "" {
		return nil, usageErrorf("no admin token: pass --token or --data DIR (or set %s)", envToken)
	}
	var ca []byte
	if caFile != "" {
		var err error
		if ca, err = os.ReadFile(caFile); err != nil {
			return nil, fmt.Errorf("service CA: %w", err)
		}
	}
	return client.New(url, token, ca)
}

// adminCmd builds a leaf admin command whose run gets a connected client.
func adminCmd(use, short, long string, args cobra.PositionalArgs, tenant bool,
	run func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error) (*cobra.Command, *adminConn) {
	a := &adminConn{}
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args:  args,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			return run(ctx, cl, a, cmd, args)
		},
	}
	if c.Long == "" {
		c.Long = short + "."
	}
	a.addFlags(c, tenant)
	return c, a
}

// table writes aligned columns.
func table(w io.Writer, header string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// stamp formats a time for tables.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// orDash shows an empty cell as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeOut writes data to a file, or to stdout for "-".
func writeOut(cmd *cobra.Command, path string, data []byte, perm os.FileMode) error {
	if path == "-" {
		_, err := cmd.OutOrStdout().Write(data)
		return err
	}
	return os.WriteFile(path, data, perm)
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newAdminCmds() []*cobra.Command {
	return []*cobra.Command{
		newTenantCmd(), newProductCmd(), newDeviceGroupCmd(), newDeviceCmd(),
		newCACertificateCmd(), newOSReleaseCmd(), newDeploymentCmd(), newTelemetryCmd(),
	}
}

func newTenantCmd() *cobra.Command {
	t := &cobra.Command{Use: "tenant", Short: "Create and list tenants, download their error reports (security service)"}
	create, _ := adminCmd("create NAME", "Create a tenant and its CA",
		"Create a tenant. The service gives it its own CA (2-year lifetime), which\nsigns the client certificates of the devices it claims.",
		argsRange(1, 1), false,
		func(ctx context.Context, c *client.Client, _ *adminConn, cmd *cobra.Command, args []string) error {
			tn, err := c.CreateTenant(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created tenant %s (id %s)\ntenant CA SHA-256 %s, valid until %s\n",
				tn.Name, tn.ID, tn.CAFingerprint, stamp(tn.CANotAfter))
			return nil
		})
	list, _ := adminCmd("list", "List the tenants", "", argsRange(0, 0), false,
		func(ctx context.Context, c *client.Client, _ *adminConn, cmd *cobra.Command, args []string) error {
			ts, err := c.ListTenants(ctx)
			if err != nil {
				return err
			}
			var rows [][]string
			for _, tn := range ts {
				rows = append(rows, []string{tn.Name, tn.ID, stamp(tn.Created), stamp(tn.CANotAfter)})
			}
			return table(cmd.OutOrStdout(), "NAME\tID\tCREATED\tCA VALID UNTIL", rows)
		})
	var out string
	report, _ := adminCmd("download-error-report -o FILE.csv", "Download the tenant's error report (CSV)",
		`Download the tenant's error report as CSV with the real service's columns:
Device ID, Event Type, Event Class, Event Count, Description, Start Time,
End Time. Equal events of a device within one UTC day are one row with their
count; rows are newest first, at most 1,000, of the events the service
received in the last 14 days.`,
		argsRange(0, 0), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			var buf bytes.Buffer
			if err := c.ErrorReportCSV(ctx, a.tenantRef(), &buf); err != nil {
				return err
			}
			if err := writeOut(cmd, out, buf.Bytes(), 0o644); err != nil {
				return err
			}
			if out != "-" {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d rows)\n", out, max(bytes.Count(buf.Bytes(), []byte("\n"))-1, 0))
			}
			return nil
		})
	report.Flags().StringVarP(&out, "output", "o", "", "CSV file to write (- for stdout)")
	_ = report.MarkFlagRequired("output")
	t.AddCommand(create, list, report)
	return t
}

func newProductCmd() *cobra.Command {
	p := &cobra.Command{Use: "product", Short: "Create and list products (security service)"}
	var desc string
	create, _ := adminCmd("create NAME", "Create a product and its default device groups",
		"Create a product of the tenant with the default device groups: Development,\nField Test, Production, Production OS Evaluation and Field Test OS Evaluation.",
		argsRange(1, 1), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			pr, err := c.CreateProduct(ctx, a.tenantRef(), args[0], desc)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created product %s (id %s) with device groups", pr.Name, pr.ID)
			for i, g := range service.DefaultDeviceGroups {
				sep := ","
				if i == 0 {
					sep = ""
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s", sep, g.Name)
			}
			fmt.Fprintln(cmd.OutOrStdout())
			return nil
		})
	create.Flags().StringVar(&desc, "description", "", "description")
	list, _ := adminCmd("list", "List the tenant's products", "", argsRange(0, 0), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			ps, err := c.ListProducts(ctx, a.tenantRef())
			if err != nil {
				return err
			}
			var rows [][]string
			for _, p := range ps {
				rows = append(rows, []string{p.Name, p.ID, orDash(p.Description)})
			}
			return table(cmd.OutOrStdout(), "NAME\tID\tDESCRIPTION", rows)
		})
	p.AddCommand(create, list)
	return p
}

func newDeviceGroupCmd() *cobra.Command {
	g := &cobra.Command{Use: "device-group", Short: "Create and list device groups (security service)"}
	var spec service.DeviceGroupSpec
	create, _ := adminCmd("create NAME --product PRODUCT", "Create a device group in a product",
		"Create a device group. --os-feed is Retail (default) or RetailEval;\n--update-policy is UpdateAll (default), No3rdPartyAppUpdates or NoUpdates.",
		argsRange(1, 1), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			if spec.Product == "" {
				return usageErrorf("--product is required")
			}
			spec.Name = args[0]
			dg, err := c.CreateDeviceGroup(ctx, a.tenantRef(), spec)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created device group %s (id %s): OS feed %s, update policy %s\n", dg.Path, dg.ID, dg.OSFeed, dg.UpdatePolicy)
			return nil
		})
	create.Flags().StringVar(&spec.Product, "product", "", "product name or ID")
	create.Flags().StringVar(&spec.Description, "description", "", "description")
	create.Flags().StringVar(&spec.OSFeed, "os-feed", "", "OS feed: Retail or RetailEval")
	create.Flags().StringVar(&spec.UpdatePolicy, "update-policy", "", "UpdateAll, No3rdPartyAppUpdates or NoUpdates")
	list, _ := adminCmd("list", "List the tenant's device groups", "", argsRange(0, 0), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			gs, err := c.ListDeviceGroups(ctx, a.tenantRef())
			if err != nil {
				return err
			}
			var rows [][]string
			for _, g := range gs {
				rows = append(rows, []string{g.Path, g.ID, g.OSFeed, g.UpdatePolicy})
			}
			return table(cmd.OutOrStdout(), "DEVICE GROUP\tID\tOS FEED\tUPDATE POLICY", rows)
		})
	g.AddCommand(create, list)
	return g
}

// newDeviceCmd is the `device` command group. Its subcommands here talk
// to the security service; commands for an attached device can join it.
func newDeviceCmd() *cobra.Command {
	d := &cobra.Command{Use: "device", Short: "Claim, list and show devices (security service)"}
	var group string
	claim, _ := adminCmd("claim DEVICEID", "Claim a device for the tenant",
		"Claim a device (its 128-hex-character ID) for the tenant, for good, and\noptionally place it in a device group (--device-group PRODUCT/GROUP or ID).",
		argsRange(1, 1), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			dv, err := c.ClaimDevice(ctx, a.tenantRef(), args[0], group)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "claimed device %s", dv.ID)
			if dv.DeviceGroup != "" {
				fmt.Fprintf(cmd.OutOrStdout(), " into %s", dv.DeviceGroup)
			}
			fmt.Fprintln(cmd.OutOrStdout())
			return nil
		})
	claim.Flags().StringVar(&group, "device-group", "", "device group: PRODUCT/GROUP or ID")
	var updGroup string
	update, _ := adminCmd("update DEVICEID --device-group PRODUCT/GROUP", "Move a claimed device to a device group", "",
		argsRange(1, 1), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			if updGroup == "" {
				return usageErrorf("--device-group is required")
			}
			dv, err := c.AssignDevice(ctx, a.tenantRef(), args[0], updGroup)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "device %s is in %s\n", dv.ID, dv.DeviceGroup)
			return nil
		})
	update.Flags().StringVar(&updGroup, "device-group", "", "device group: PRODUCT/GROUP or ID")
	list, _ := adminCmd("list", "List the tenant's devices", "", argsRange(0, 0), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			ds, err := c.ListDevices(ctx, a.tenantRef())
			if err != nil {
				return err
			}
			var rows [][]string
			for _, dv := range ds {
				last := "never attested"
				if e := dv.LastAttestation; e != nil {
					last = attestationSummary(*e)
				}
				rows = append(rows, []string{dv.ID, orDash(dv.DeviceGroup), last})
			}
			return table(cmd.OutOrStdout(), "DEVICE ID\tDEVICE GROUP\tLAST ATTESTATION", rows)
		})
	show, _ := adminCmd("show DEVICEID", "Show a device and its attestation log",
		"Show a claimed device (any device's log is shown, claimed or not).", argsRange(1, 1), false,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			dv, err := c.ShowDevice(ctx, args[0])
			var ce *client.Error
			switch {
			case errors.As(err, &ce) && ce.Status == 404:
				fmt.Fprintf(w, "device %s is not claimed\n", strings.ToLower(args[0]))
			case err != nil:
				return err
			default:
				fmt.Fprintf(w, "device:       %s\ntenant:       %s\ndevice group: %s\nclaimed:      %s\n",
					dv.ID, dv.TenantID, orDash(dv.DeviceGroup), stamp(dv.Claimed))
			}
			log, err := c.DeviceAttestations(ctx, args[0])
			if err != nil {
				return err
			}
			if len(log) == 0 {
				fmt.Fprintln(w, "attestations: none")
				return nil
			}
			fmt.Fprintln(w, "attestations:")
			for _, e := range log {
				fmt.Fprintf(w, "  %s  %s\n", stamp(e.Time), attestationSummary(e))
			}
			return nil
		})
	d.AddCommand(claim, update, list, show)
	return d
}

// attestationSummary is one line about an attestation attempt.
func attestationSummary(e service.AttestationEntry) string {
	if e.OK {
		return "ok: " + e.Detail
	}
	return "refused (" + e.Reason + "): " + e.Detail
}

func newCACertificateCmd() *cobra.Command {
	ca := &cobra.Command{Use: "ca-certificate", Short: "Download the tenant CA certificate (security service)"}
	var out string
	dl, _ := adminCmd("download -o FILE", "Download the tenant CA certificate (PEM)",
		"Download the tenant CA certificate, which services that authenticate the\ntenant's devices by their client certificates trust.",
		argsRange(0, 0), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			p, err := c.TenantCACertificatePEM(ctx, a.tenantRef())
			if err != nil {
				return err
			}
			if err := writeOut(cmd, out, p, 0o644); err != nil {
				return err
			}
			if out != "-" {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
			}
			return nil
		})
	dl.Flags().StringVarP(&out, "output", "o", "", "file to write (- for stdout)")
	_ = dl.MarkFlagRequired("output")
	ca.AddCommand(dl)
	return ca
}

func newImageAddCmd() *cobra.Command {
	c, _ := adminCmd("add PACKAGE", "Add an app image package to the tenant (security service)",
		"Upload a signed application image package to the tenant: its devices may\nrun it, and deployments may name it. Its signer must be an app-signing key\nthat a registered OS release's keystore trusts.",
		argsRange(1, 1), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			im, err := c.AddImage(ctx, a.tenantRef(), b)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added image %s: %q, component %s, SVN %d, SHA-256 %s\n", im.ID, im.Name, im.ComponentID, im.SVN, im.Digest)
			return nil
		})
	return c
}

func newImageListCmd() *cobra.Command {
	c, _ := adminCmd("list", "List the tenant's app images (security service)", "", argsRange(0, 0), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			ims, err := c.ListImages(ctx, a.tenantRef())
			if err != nil {
				return err
			}
			var rows [][]string
			for _, im := range ims {
				rows = append(rows, []string{im.ID, orDash(im.Name), im.ComponentID, fmt.Sprint(im.SVN), im.Digest[:16] + "…"})
			}
			return table(cmd.OutOrStdout(), "IMAGE ID\tNAME\tCOMPONENT ID\tSVN\tSHA-256", rows)
		})
	return c
}

func newOSReleaseCmd() *cobra.Command {
	r := &cobra.Command{Use: "os-release", Short: "Register and list known-good OS releases (security service)"}
	add, _ := adminCmd("add FLASH.bin", "Register the OS of a flash image as a known-good release",
		"Register every boot and OS image of a flash image (all but the apps) as a\nknown-good release: each must be signed by the platform key. The OS of the\nsample image bundled in sphere-emu is registered when the service starts.",
		argsRange(1, 1), false,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			rel, err := c.AddOSRelease(ctx, b)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "registered OS release %d: version %s, %d images\n", rel.ID, rel.Version, len(rel.Images))
			return printReleaseImages(cmd.OutOrStdout(), rel)
		})
	list, _ := adminCmd("list", "List the registered OS releases", "", argsRange(0, 0), false,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			rs, err := c.ListOSReleases(ctx)
			if err != nil {
				return err
			}
			for _, rel := range rs {
				fmt.Fprintf(cmd.OutOrStdout(), "release %d: version %s (%s, added %s)\n", rel.ID, rel.Version, rel.Source, stamp(rel.Added))
				if err := printReleaseImages(cmd.OutOrStdout(), rel); err != nil {
					return err
				}
			}
			return nil
		})
	r.AddCommand(add, list)
	return r
}

func printReleaseImages(w io.Writer, rel service.OSRelease) error {
	var rows [][]string
	for _, im := range rel.Images {
		rows = append(rows, []string{"  " + im.Type, fmt.Sprint(im.SVN), im.Digest[:16] + "…"})
	}
	return table(w, "  IMAGE\tSVN\tSHA-256", rows)
}

func newDeploymentCmd() *cobra.Command {
	d := &cobra.Command{Use: "deployment", Short: "Create and list deployments (security service)"}
	var group string
	var images []string
	create, _ := adminCmd("create --device-group PRODUCT/GROUP --image ID...", "Deploy images to a device group",
		"Target a set of the tenant's images (--image, repeatable or comma-separated)\nat a device group; the group's newest deployment wins.",
		argsRange(0, 0), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			if group == "" || len(images) == 0 {
				return usageErrorf("--device-group and at least one --image are required")
			}
			dep, err := c.CreateDeployment(ctx, a.tenantRef(), group, images)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created deployment %s of %s to %s\n", dep.ID, strings.Join(dep.ImageIDs, ", "), dep.DeviceGroup)
			return nil
		})
	create.Flags().StringVar(&group, "device-group", "", "device group: PRODUCT/GROUP or ID")
	create.Flags().StringSliceVar(&images, "image", nil, "image ID (repeatable)")
	list, _ := adminCmd("list", "List the tenant's deployments, newest first", "", argsRange(0, 0), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			ds, err := c.ListDeployments(ctx, a.tenantRef())
			if err != nil {
				return err
			}
			var rows [][]string
			for _, dep := range ds {
				rows = append(rows, []string{dep.ID, dep.DeviceGroup, stamp(dep.Created), strings.Join(dep.ImageIDs, ",")})
			}
			return table(cmd.OutOrStdout(), "DEPLOYMENT ID\tDEVICE GROUP\tCREATED\tIMAGES", rows)
		})
	d.AddCommand(create, list)
	return d
}

func newTelemetryCmd() *cobra.Command {
	t := &cobra.Command{Use: "telemetry", Short: "List what devices sent the company cloud (security service)"}
	var limit int
	var asJSON bool
	list, _ := adminCmd("list", "List the newest telemetry messages of the tenant's devices",
		"List the newest messages the tenant's devices posted to the company cloud\nroute (/cloud/v1/telemetry), which accepts only client certificates issued\nby a tenant CA.",
		argsRange(0, 0), true,
		func(ctx context.Context, c *client.Client, a *adminConn, cmd *cobra.Command, args []string) error {
			rs, err := c.ListTelemetry(ctx, a.tenantRef(), limit)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rs)
			}
			var rows [][]string
			for _, r := range rs {
				rows = append(rows, []string{stamp(r.Time), r.DeviceID[:16] + "…", string(r.Body)})
			}
			return table(cmd.OutOrStdout(), "TIME\tDEVICE\tBODY", rows)
		})
	list.Flags().IntVar(&limit, "limit", 0, fmt.Sprintf("how many messages (default %d)", service.DefaultTelemetryLimit))
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	t.AddCommand(list)
	return t
}
