package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/sphere-emu/sphere-emu/image"
)

// Key file names in a keys directory.
const (
	platformKeyFile = "platform-root.key.pem"
	platformPubFile = "platform-root.pub.pem"
	appKeyFile      = "app-signing.key.pem"
	appPubFile      = "app-signing.pub.pem"
)

func newKeysCmd() *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "Generate and manage signing keys"}
	var out string
	var force bool
	gen := &cobra.Command{
		Use:   "gen --out DIR",
		Short: "Generate a platform root key (signs the OS stages) and an app-signing key",
		Long: `Generate two ECDSA P-256 key pairs as PEM files in DIR:
  platform-root.key.pem / .pub.pem  signs the keystore, boot stages and OS images;
                                    a device trusts it when its hash is in the fuses
  app-signing.key.pem / .pub.pem    signs app image packages; trusted through the keystore`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErrorf("--out DIR is required")
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			for _, pair := range [][2]string{{platformKeyFile, platformPubFile}, {appKeyFile, appPubFile}} {
				priv := filepath.Join(out, pair[0])
				if _, err := os.Stat(priv); err == nil && !force {
					return fmt.Errorf("%s exists; pass --force to replace it", priv)
				}
				k, err := image.GenerateKey()
				if err != nil {
					return err
				}
				if err := os.WriteFile(priv, image.EncodePrivateKeyPEM(k), 0o600); err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(out, pair[1]), image.EncodePublicKeyPEM(&k.PublicKey), 0o644); err != nil {
					return err
				}
				tp := image.Thumbprint(&k.PublicKey)
				fmt.Fprintf(cmd.OutOrStdout(), "%s  thumbprint %x\n", priv, tp)
			}
			return nil
		},
	}
	gen.Flags().StringVar(&out, "out", "", "directory for the key files")
	gen.Flags().BoolVar(&force, "force", false, "replace existing keys")
	keys.AddCommand(gen)
	return keys
}
