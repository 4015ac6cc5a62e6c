package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sphere-emu/sphere-emu/gateway"
	"github.com/sphere-emu/sphere-emu/gateway/restapi"
	"github.com/sphere-emu/sphere-emu/kernel"
)

// The `sphere-emu device` verbs that talk to an attached device through
// its REST API (docs/rest-api.md), shaped like azsphere's. They join the
// `device` group of the security service's admin verbs (admin.go).

// Environment variables the device verbs read when a flag is not given.
const (
	envDevice   = "SPHERE_EMU_DEVICE"    // --device URL
	envDeviceCA = "SPHERE_EMU_DEVICE_CA" // --device-ca FILE
	envRESTData = "SPHERE_EMU_REST_DATA" // --rest-data DIR
)

const restConnHelp = `
Reaching the device: --rest-data DIR, the directory ` + "`sphere-emu boot --rest ADDR --rest-data DIR`" + `
writes its URL and CA to; or --device URL with --device-ca FILE. Unset
flags fall back to SPHERE_EMU_REST_DATA, SPHERE_EMU_DEVICE and
SPHERE_EMU_DEVICE_CA.`

// restConn holds the flags that say how to reach the device.
type restConn struct{ device, ca, data string }

func (r *restConn) addFlags(c *cobra.Command) {
	c.Flags().StringVar(&r.data, "rest-data", "", "data `DIR` of a device booted with --rest (its url and ca.pem) (env "+envRESTData+")")
	c.Flags().StringVar(&r.device, "device", "", "the device REST API `URL`, e.g. https://127.0.0.1:4443 (env "+envDevice+")")
	c.Flags().StringVar(&r.ca, "device-ca", "", "the CA certificate `FILE` the device's REST API presents (env "+envDeviceCA+")")
	c.Long = strings.TrimSpace(c.Long + "\n" + restConnHelp)
}

func (r *restConn) client() (*gateway.Client, error) {
	url, ca, data := r.device, r.ca, r.data
	if url == "" && data == "" {
		url, data = os.Getenv(envDevice), os.Getenv(envRESTData)
	}
	if ca == "" {
		ca = os.Getenv(envDeviceCA)
	}
	if url == "" {
		if data == "" {
			return nil, usageErrorf("which device? pass --rest-data DIR (of `sphere-emu boot --rest ... --rest-data DIR`) or --device URL --device-ca FILE")
		}
		return gateway.NewClientFromData(data)
	}
	if ca == "" {
		return nil, usageErrorf("--device needs --device-ca FILE: the CA the device's REST API presents")
	}
	pem, err := os.ReadFile(ca)
	if err != nil {
		return nil, fmt.Errorf("--device-ca: %w", err)
	}
	return gateway.NewClient(url, pem)
}

// restCmd builds a leaf device verb whose run gets a connected client.
func restCmd(use, short, long string, args cobra.PositionalArgs,
	run func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error) *cobra.Command {
	r := &restConn{}
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args:  args,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			return run(ctx, cl, cmd, args)
		},
	}
	if c.Long == "" {
		c.Long = short + "."
	}
	r.addFlags(c)
	return c
}

// addDeviceRESTCommands adds the attached-device verbs to the `device` group.
func addDeviceRESTCommands(root *cobra.Command) {
	var dev *cobra.Command
	for _, c := range root.Commands() {
		if c.Name() == "device" {
			dev = c
		}
	}
	if dev == nil {
		dev = &cobra.Command{Use: "device"}
		root.AddCommand(dev)
	}
	dev.Short = "Manage devices: the security service's records, and an attached device through its REST API"
	dev.AddCommand(newDeviceAppCmd(), newDeviceImageCmd(), newDeviceNetworkCmd(), newDeviceCapabilityCmd(),
		newDeviceTelemetryCmd(), newDeviceRestartCmd(), newDeviceShowOSVersionCmd(), newDeviceShowSecurityStateCmd(),
		newDeviceShowAttachedCmd(), newDeviceShowLogCmd(), newDeviceRESTCallCmd())
}

// --- device app ----------------------------------------------------------------

func newDeviceAppCmd() *cobra.Command {
	app := &cobra.Command{Use: "app", Short: "Show and change the status of the apps on the attached device"}
	var cid string
	cidFlag := func(c *cobra.Command, required bool) {
		help := "component ID of the app (default: every installed app)"
		if required {
			help = "component ID of the app (default: the one installed app)"
		}
		c.Flags().StringVar(&cid, "component-id", "", help)
	}
	status := restCmd("show-status [--component-id CID]", "Show the status of the apps on the attached device", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			cids, err := appCIDs(ctx, c, cid, true)
			if err != nil {
				return err
			}
			for _, id := range cids {
				st, err := c.AppStatus(ctx, id)
				if err != nil {
					return err
				}
				printAppStatus(cmd.OutOrStdout(), id, st)
			}
			return nil
		})
	cidFlag(status, false)
	var debug bool
	start := restCmd("start [--component-id CID]", "Start an app on the attached device",
		"Start an app on the attached device (PATCH /app/status/{cid} {\"trigger\": \"start\"}).\n--debug-mode starts it for debugging (trigger startDebug), which needs the\ndevice's appDevelopment capability.", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			return changeApps(ctx, c, cmd, cid, map[bool]string{false: restapi.TriggerStart, true: restapi.TriggerStartDebug}[debug])
		})
	cidFlag(start, true)
	start.Flags().BoolVar(&debug, "debug-mode", false, "start the app for debugging (needs the appDevelopment capability)")
	stop := restCmd("stop [--component-id CID]", "Stop an app on the attached device",
		"Stop an app on the attached device: the OS sends it SIGTERM (SIGKILL after\n5 s) and answers once it has exited. It stays stopped until started again.", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			return changeApps(ctx, c, cmd, cid, restapi.TriggerStop)
		})
	cidFlag(stop, true)
	quota := restCmd("show-quota [--component-id CID]", "Show the mutable storage used and allowed per app", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			cids, err := appCIDs(ctx, c, cid, true)
			if err != nil {
				return err
			}
			for _, id := range cids {
				q, err := c.AppQuota(ctx, id)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\n  %d KB of %d KB of mutable storage used\n", id, q.UsageKB, q.LimitKB)
			}
			return nil
		})
	cidFlag(quota, false)
	mem := restCmd("show-memory-stats", "Show the memory use of the high-level app on the attached device", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			m, err := c.MemoryStats(ctx)
			if err != nil {
				return err
			}
			s := m.MemoryStats
			return table(cmd.OutOrStdout(), "MEMORY\tBYTES", [][]string{
				{"current (total)", fmt.Sprint(s.CurrentMemoryUsageInBytes)},
				{"user mode", fmt.Sprint(s.UserModeMemoryUsageInByte)},
				{"peak user mode", fmt.Sprint(s.PeakUserModeMemoryUsageInBytes)},
			})
		})
	app.AddCommand(status, start, stop, quota, mem)
	return app
}

// appCIDs is the app the user named, or every installed app (all) or the
// one installed app (!all).
func appCIDs(ctx context.Context, c *gateway.Client, cid string, all bool) ([]string, error) {
	if cid != "" {
		return []string{cid}, nil
	}
	imgs, err := c.Images(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, comp := range imgs.Components {
		if comp.ImageType == 10 {
			out = append(out, comp.UID)
		}
	}
	if !all && len(out) != 1 {
		return nil, usageErrorf("%d apps are installed: name one with --component-id", len(out))
	}
	return out, nil
}

func changeApps(ctx context.Context, c *gateway.Client, cmd *cobra.Command, cid, trigger string) error {
	cids, err := appCIDs(ctx, c, cid, false)
	if err != nil {
		return err
	}
	st, err := c.SetAppStatus(ctx, cids[0], trigger)
	if err != nil {
		return err
	}
	printAppStatus(cmd.OutOrStdout(), cids[0], st)
	return nil
}

func printAppStatus(w io.Writer, cid string, st restapi.AppStatus) {
	fmt.Fprintf(w, "%s\n  App state: %s\n", cid, st.State)
	if st.RealTimeCore != nil {
		fmt.Fprintf(w, "  Core     : real-time core %d\n", *st.RealTimeCore)
	}
}

// --- device image ----------------------------------------------------------------

func newDeviceImageCmd() *cobra.Command {
	img := &cobra.Command{Use: "image", Short: "Show the images installed on the attached device"}
	var full bool
	list := restCmd("list-installed", "List the images installed on the attached device",
		"List the images installed on the attached device (GET /images): its apps,\nor with --full every component the OS reports.", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			imgs, err := c.Images(ctx)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintln(w, "Installed images:")
			for _, comp := range imgs.Components {
				if comp.ImageType != 10 && !full {
					continue
				}
				kind := fmt.Sprintf("System software image type %d", comp.ImageType)
				if comp.ImageType == 10 {
					kind = "Application"
				}
				fmt.Fprintf(w, " --> %s\n   --> Image type:   %s\n   --> Component ID: %s\n", orDash(comp.Name), kind, comp.UID)
				for _, im := range comp.Images {
					fmt.Fprintf(w, "   --> Image ID:     %s (%d bytes)\n", im.UID, im.LengthInBytes)
				}
				if comp.IsUpdateStaged {
					fmt.Fprintln(w, "   --> An update is staged")
				}
			}
			return nil
		})
	list.Flags().BoolVar(&full, "full", false, "list every component, not only the apps")
	img.AddCommand(list)
	return img
}

// --- device network ----------------------------------------------------------------

func newDeviceNetworkCmd() *cobra.Command {
	n := &cobra.Command{Use: "network", Short: "Show the network interfaces, status and firewall of the attached device"}
	yes := func(b bool) string { return map[bool]string{true: "yes", false: "no"}[b] }
	ifs := restCmd("list-interfaces", "List the network interfaces of the attached device", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			v, err := c.NetInterfaces(ctx)
			if err != nil {
				return err
			}
			var rows [][]string
			for _, i := range v.Interfaces {
				rows = append(rows, []string{i.InterfaceName, yes(i.InterfaceUp), yes(i.ConnectedToNetwork), yes(i.IPAcquired),
					yes(i.ConnectedToInternet), orDash(strings.Join(i.IPAddresses, ",")), orDash(i.IPAssignment)})
			}
			return table(cmd.OutOrStdout(), "INTERFACE\tUP\tNETWORK\tIP ACQUIRED\tINTERNET\tIP ADDRESSES\tASSIGNMENT", rows)
		})
	status := restCmd("show-status", "Show the network status of the attached device", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			v, err := c.NetStatus(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Device authentication is ready: %s\nNetwork time sync:              %s\nProxy:                          %s\n",
				yes(v.DeviceAuthenticationIsReady), v.NetworkTimeSync, v.Proxy)
			return nil
		})
	fw := restCmd("list-firewall-rules", "List the firewall rules of the attached device",
		"List the OS firewall's rules per netfilter hook (GET /net/firewall/rulesets),\nderived from the running app's manifest.", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			v, err := c.FirewallRulesets(ctx)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, rs := range v.Rulesets {
				fmt.Fprintf(w, "%s (%d rules)\n", rs.Hook, len(rs.Rules))
				if len(rs.Rules) == 0 {
					continue
				}
				var rows [][]string
				for _, r := range rs.Rules {
					uid := fmt.Sprint(r.UID)
					if r.UID == restapi.AnyUID {
						uid = "any"
					}
					rows = append(rows, []string{"  " + r.Action, r.Protocol, r.SourceIP + "/" + r.SourceMask, portRange(r.SourcePortRange),
						r.DestinationIP + "/" + r.DestinationMask, portRange(r.DestinationPortRange), r.State, uid})
				}
				if err := table(w, "  ACTION\tPROTOCOL\tSOURCE\tPORTS\tDESTINATION\tPORTS\tSTATE\tUID", rows); err != nil {
					return err
				}
			}
			return nil
		})
	n.AddCommand(ifs, status, fw)
	return n
}

func portRange(p restapi.PortRange) string {
	switch {
	case p == restapi.AnyPort:
		return "any"
	case p.Min == p.Max:
		return fmt.Sprint(p.Min)
	}
	return fmt.Sprintf("%d-%d", p.Min, p.Max)
}

// --- device capability ---------------------------------------------------------------

var capabilityNames = map[int]string{
	1: "allowTestKeySignedSoftware", 2: "enablePlutonDebugging", 3: "enableA7Debugging", 4: "enableN9Debugging",
	5: "enableA7GdbDebugging", 6: "enableIoM4_1Debugging", 7: "enableIoM4_2Debugging", 8: "enableA7Console",
	9: "enableSltLoader", 10: "enableSystemSoftwareDevelopment", 11: "appDevelopment", 12: "enableRfTestMode",
	13: "fieldServicing",
}

func newDeviceCapabilityCmd() *cobra.Command {
	cp := &cobra.Command{Use: "capability", Short: "Show the capabilities of the attached device"}
	show := restCmd("show-attached", "Show the capabilities of the attached device", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			v, err := c.Capabilities(ctx)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(v.DeviceCapabilities) == 0 {
				fmt.Fprintln(w, "No device capabilities are present on the attached device.")
				return nil
			}
			fmt.Fprintln(w, "Device capabilities:")
			for _, n := range v.DeviceCapabilities {
				fmt.Fprintf(w, "  %s (%d)\n", orDash(capabilityNames[n]), n)
			}
			return nil
		})
	cp.AddCommand(show)
	return cp
}

// --- device telemetry ---------------------------------------------------------------

func newDeviceTelemetryCmd() *cobra.Command {
	t := &cobra.Command{Use: "telemetry", Aliases: []string{"error-report"},
		Short: "Show or delete the error-report events kept on the attached device",
		Long: `Show or delete the error-report events the attached device keeps in its
telemetry partition (GET and DELETE /telemetry). azsphere has no verb for
these routes that we could confirm (reference §10.3); this one is the
emulator's, also reachable as ` + "`device error-report`" + `.`}
	show := restCmd("show", "Show the error-report events kept on the attached device", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			recs, err := c.Telemetry(ctx)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(recs) == 0 {
				fmt.Fprintln(w, "No error-report events are kept on the device.")
				return nil
			}
			var rows [][]string
			for _, r := range recs {
				up := "no"
				if r.Uploaded {
					up = "yes"
				}
				rows = append(rows, []string{fmt.Sprint(r.Seq), time.Unix(0, r.TimeUnixNano).UTC().Format(time.RFC3339), r.TypeName(), r.ClassName(), up, r.Description})
			}
			return table(w, "SEQ\tTIME\tTYPE\tCLASS\tUPLOADED\tDESCRIPTION", rows)
		})
	del := restCmd("delete", "Delete the error-report events kept on the attached device", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			if err := c.DeleteTelemetry(ctx); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Deleted the error-report events kept on the device.")
			return nil
		})
	t.AddCommand(show, del)
	return t
}

// --- device: restart, show-* ---------------------------------------------------------

func newDeviceRestartCmd() *cobra.Command {
	return restCmd("restart", "Restart the attached device",
		"Restart the attached device (POST /restart) and wait until its OS answers\nagain. The app gets SIGTERM first; the OS records a Reboot event.", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			fmt.Fprintln(w, "Restarting device.")
			if err := c.Restart(ctx); err != nil {
				return err
			}
			// The old OS serves nothing more; the next answer is the new one's.
			if _, err := c.Status(ctx); err != nil {
				return fmt.Errorf("the device did not come back: %w", err)
			}
			fmt.Fprintln(w, "Device restarted.")
			return nil
		})
}

func newDeviceShowOSVersionCmd() *cobra.Command {
	return restCmd("show-os-version", "Show the OS version of the attached device", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			v, err := c.OSVersion(ctx)
			if err != nil {
				return err
			}
			abi, err := c.ABIVersions(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Device OS version: %s\nABI versions:      SecureWorldRuntime %d, OSRuntime %d, ApplicationRuntime %d\n",
				v.OSVersion, abi.SecureWorldRuntime, abi.OSRuntime, abi.ApplicationRuntime)
			return nil
		})
}

func newDeviceShowSecurityStateCmd() *cobra.Command {
	return restCmd("show-security-state", "Show the security state and ID of the attached device", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			v, err := c.SecurityState(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Device ID:      %s\nSecurity state: %s\n", v.DeviceIdentifier, v.SecurityState)
			return nil
		})
}

func newDeviceShowAttachedCmd() *cobra.Command {
	return restCmd("show-attached", "Show details of the attached device from the device itself", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			sec, err := c.SecurityState(ctx)
			if err != nil {
				return err
			}
			osv, err := c.OSVersion(ctx)
			if err != nil {
				return err
			}
			st, err := c.Status(ctx)
			if err != nil {
				return err
			}
			r, err := c.Do(ctx, "GET", restapi.PathStatus, "", nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Device ID:        %s\nREST API:         %s (version %s)\nOS version:       %s\nUptime (seconds): %d\n",
				sec.DeviceIdentifier, c.URL(), r.APIVersion, osv.OSVersion, st.Uptime)
			return nil
		})
}

func newDeviceShowLogCmd() *cobra.Command {
	return restCmd("show-log", "Show the recent log lines of the attached device's OS",
		"Show the kernel's recent log lines (GET /log): app output and the app\nmanager's lines since the last boot, the newest last (emulator's verb).", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			l, err := c.Log(ctx)
			if err != nil {
				return err
			}
			_, err = io.WriteString(cmd.OutOrStdout(), l)
			return err
		})
}

// newDeviceRESTCallCmd is a raw call, for trying the API and its errors.
func newDeviceRESTCallCmd() *cobra.Command {
	var body, ctype string
	c := restCmd("rest METHOD PATH", "Send one raw request to the attached device's REST API",
		"Send one request to the device REST API and print the answer's body; the\nstatus goes to stderr, and a status of 400 or more is exit status 1\n(emulator's verb, for trying the API and its errors).", argsRange(2, 2),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			method := strings.ToUpper(args[0])
			if ctype == "" && body != "" {
				ctype = restapi.ContentTypeJSON
			}
			r, err := c.Do(ctx, method, args[1], ctype, []byte(body))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "HTTP %d (%s)\n", r.Status, orDash(r.ContentType))
			out := cmd.OutOrStdout()
			if _, err := out.Write(r.Body); err != nil {
				return err
			}
			if len(r.Body) > 0 && r.Body[len(r.Body)-1] != '\n' && !strings.Contains(r.ContentType, "octet-stream") {
				fmt.Fprintln(out)
			}
			if r.Status >= 400 {
				return &codeError{exitError, nil}
			}
			return nil
		})
	c.Flags().StringVar(&body, "body", "", "request body (JSON unless --content-type says otherwise)")
	c.Flags().StringVar(&ctype, "content-type", "", "Content-Type of the body")
	return c
}

// serveREST starts the device REST API of `boot --rest`: the HTTPS
// server, its data directory (a temporary one without --rest-data), and
// SIGINT/SIGTERM, which end the run. The function it returns stops the
// server and removes the URL file (or the temporary directory).
func serveREST(cmd *cobra.Command, gw *kernel.Gateway, addr, dataDir string, quiet bool) (func(), error) {
	srv, err := gateway.Listen(gw, addr)
	if err != nil {
		return nil, err
	}
	temp := dataDir == ""
	if temp {
		if dataDir, err = os.MkdirTemp("", "sphere-emu-rest-"); err != nil {
			_ = srv.Close()
			return nil, err
		}
	}
	if err := srv.WriteData(dataDir); err != nil {
		_ = srv.Close()
		return nil, err
	}
	if !quiet || temp {
		fmt.Fprintf(cmd.ErrOrStderr(), "sphere-emu: device REST API on %s (sphere-emu device ... --rest-data %s)\n", srv.URL(), dataDir)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			gw.Stop("interrupted")
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
		_ = srv.Close()
		if temp {
			_ = os.RemoveAll(dataDir)
		} else {
			_ = os.Remove(filepath.Join(dataDir, gateway.URLFile))
		}
	}, nil
}
