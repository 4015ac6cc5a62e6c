package service

import (
	"crypto/ecdsa"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/sphere-emu/sphere-emu/image"
)

// The production app-signing key. Images a tenant uploads are re-signed by
// the service with this key (reference §9: "Images uploaded to AS3 are
// re-signed by the service with production keys"), keeping their identity;
// devices trust it through their keystore, while the SDK's test key is
// trusted only on devices with the appDevelopment capability.

// ProductionKeyFile is where `sphere-emu service --data DIR` writes the
// production key's public half, for `image build --trust`.
const ProductionKeyFile = "production-app-key.pub.pem"

const settingProductionKey = "production_app_key"

// loadProductionKey reads the production key, creating it on first use
// (also for a database created before it existed).
func (s *Service) loadProductionKey() error {
	tx, end, err := s.begin()
	if err != nil {
		return fmt.Errorf("service: production key: %w", err)
	}
	defer end()
	var der []byte
	err = tx.QueryRowContext(s.ctx, `SELECT value FROM settings WHERE key = ?`, settingProductionKey).Scan(&der)
	if errors.Is(err, sql.ErrNoRows) {
		k, err := s.newKey()
		if err != nil {
			return fmt.Errorf("service: production key: %w", err)
		}
		if der, err = x509.MarshalPKCS8PrivateKey(k); err != nil {
			return fmt.Errorf("service: production key: %w", err)
		}
		if _, err := tx.ExecContext(s.ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, settingProductionKey, der); err != nil {
			return fmt.Errorf("service: production key: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("service: production key: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("service: production key: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return fmt.Errorf("service: production key: %w", err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return errors.New("service: production key: not an ECDSA key")
	}
	s.prodKey = ek
	if s.dataDir != "" {
		if err := writeFileAtomic(filepath.Join(s.dataDir, ProductionKeyFile), image.EncodePublicKeyPEM(&ek.PublicKey), 0o644); err != nil {
			return fmt.Errorf("service: %w", err)
		}
	}
	return nil
}

// ProductionAppKey returns the public half of the key the service re-signs
// tenant images with: a device's keystore must trust it for over-the-air
// app updates.
func (s *Service) ProductionAppKey() *ecdsa.PublicKey { return &s.prodKey.PublicKey }
