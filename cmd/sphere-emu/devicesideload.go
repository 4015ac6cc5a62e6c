package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sphere-emu/sphere-emu/gateway"
	"github.com/sphere-emu/sphere-emu/gateway/restapi"
)

// The update verbs of `sphere-emu device`: sideloading, removing an app,
// applying a capability file, and enable-development, which asks the
// security service for the appDevelopment capability and applies it.

// addDeviceUpdateCommands adds the verbs to the `device` group.
func addDeviceUpdateCommands(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() != "device" {
			continue
		}
		c.AddCommand(newDeviceSideloadCmd(), newDeviceEnableDevelopmentCmd())
		for _, sub := range c.Commands() {
			if sub.Name() == "capability" {
				sub.AddCommand(newDeviceCapabilityUpdateCmd())
			}
		}
	}
}

// restCall sends one request and turns an error answer into an error.
func restCall(ctx context.Context, c *gateway.Client, method, path, ctype string, body []byte) (*gateway.Response, error) {
	r, err := c.Do(ctx, method, path, ctype, body)
	if err != nil {
		return nil, err
	}
	if r.Status < 200 || r.Status > 299 {
		var e restapi.Error
		if json.Unmarshal(r.Body, &e) == nil && e.Code != 0 {
			return nil, &gateway.APIError{Status: r.Status, Code: e.Code}
		}
		return nil, fmt.Errorf("device REST API %s %s: HTTP %d", method, path, r.Status)
	}
	return r, nil
}

func newDeviceSideloadCmd() *cobra.Command {
	s := &cobra.Command{Use: "sideload", Short: "Deploy or delete an app on the attached device (needs appDevelopment)"}
	var pkgPath string
	var manual bool
	deploy := restCmd("deploy --image-package FILE", "Stage an image package on the attached device and install it",
		"Stage an image package (PUT /update/stage) and install it (POST /update/install). The\n"+
			"device accepts it only with the appDevelopment capability, verifies it with Pluton, and\n"+
			"refuses it while an over-the-air update is under way.", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			if pkgPath == "" {
				return usageErrorf("--image-package is required")
			}
			pkg, err := os.ReadFile(pkgPath)
			if err != nil {
				return err
			}
			if _, err := restCall(ctx, c, http.MethodPut, restapi.PathUpdateStage, restapi.ContentTypeOctetStream, pkg); err != nil {
				return fmt.Errorf("stage: %w", err)
			}
			mode := "Auto"
			if manual {
				mode = "Manual"
			}
			body, _ := json.Marshal(restapi.InstallRequest{AppControlMode: mode})
			if _, err := restCall(ctx, c, http.MethodPost, restapi.PathUpdateInstall, restapi.ContentTypeJSON, body); err != nil {
				return fmt.Errorf("install: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deployed %s (%s)\n", pkgPath, strings.ToLower(mode))
			return nil
		})
	deploy.Flags().StringVar(&pkgPath, "image-package", "", "the image package to deploy")
	deploy.Flags().BoolVar(&manual, "manual-start", false, "install the app without starting it")

	var cid string
	del := restCmd("delete --component-id CID", "Remove an app from the attached device", "", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			if cid == "" {
				return usageErrorf("--component-id is required")
			}
			if _, err := restCall(ctx, c, http.MethodDelete, strings.Replace(restapi.PathAppImage, "{cid}", cid, 1), "", nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", cid)
			return nil
		})
	del.Flags().StringVar(&cid, "component-id", "", "component ID of the app to remove")
	s.AddCommand(deploy, del)
	return s
}

// applyCapability sends a capability file to the device, which verifies it
// in Pluton and restarts to take it up.
func applyCapability(ctx context.Context, c *gateway.Client, file []byte) error {
	_, err := restCall(ctx, c, http.MethodPut, restapi.PathCapabilities, restapi.ContentTypeOctetStream, file)
	return err
}

func newDeviceCapabilityUpdateCmd() *cobra.Command {
	var path string
	c := restCmd("update --capability-file FILE", "Apply a capability file to the attached device (it restarts)",
		"Apply a capability file to the attached device: Pluton checks that the security\n"+
			"service signed it for this device, and the device restarts to take it up\n"+
			"(PUT /device/capabilities, emulator-defined).", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			if path == "" {
				return usageErrorf("--capability-file is required")
			}
			file, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if err := applyCapability(ctx, c, file); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "applied the capability file; the device is restarting")
			return nil
		})
	c.Flags().StringVar(&path, "capability-file", "", "the capability file to apply")
	return c
}

func newDeviceEnableDevelopmentCmd() *cobra.Command {
	a := &adminConn{}
	c := restCmd("enable-development", "Give the attached device the appDevelopment capability",
		"Ask the security service for an appDevelopment capability file for the attached device\n"+
			"(which a tenant must have claimed) and apply it: the device restarts, then accepts\n"+
			"test-signed apps and sideloading. Needs both the device (--rest-data) and the\n"+
			"service (--data or --service/--token/--ca).", argsRange(0, 0),
		func(ctx context.Context, c *gateway.Client, cmd *cobra.Command, args []string) error {
			st, err := c.SecurityState(ctx)
			if err != nil {
				return err
			}
			svc, err := a.client()
			if err != nil {
				return err
			}
			file, err := svc.DeviceCapabilityFile(ctx, st.DeviceIdentifier, []string{"appDevelopment"})
			if err != nil {
				return err
			}
			if err := applyCapability(ctx, c, file); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "device %s… now has appDevelopment; it is restarting\n", st.DeviceIdentifier[:16])
			return nil
		})
	a.addFlags(c, false)
	return c
}
