package main

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sphere-emu/sphere-emu/kernel"
)

// serviceLink builds the device's connection to a security service from
// boot's flags: --service URL and --service-ca FILE, or --service-data DIR
// (the directory `sphere-emu service --data DIR` writes its URL and CA to).
func serviceLink(url, caFile, dataDir string) (*kernel.ServiceLink, error) {
	if dataDir != "" {
		if url == "" {
			b, err := os.ReadFile(filepath.Join(dataDir, "url"))
			if err != nil {
				return nil, fmt.Errorf("--service-data: %w (is `sphere-emu service --data %s` running?)", err, dataDir)
			}
			url = strings.TrimSpace(string(b))
		}
		if caFile == "" {
			caFile = filepath.Join(dataDir, "service-ca.pem")
		}
	}
	if url == "" {
		if caFile != "" {
			return nil, usageErrorf("--service-ca needs --service")
		}
		return nil, nil
	}
	if !strings.HasPrefix(url, "https://") {
		return nil, usageErrorf("--service %q: want https://host:port", url)
	}
	if caFile == "" {
		return nil, usageErrorf("--service needs --service-ca FILE: the CA the device trusts for the service")
	}
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--service-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("--service-ca %s: no PEM certificate in it", caFile)
	}
	return &kernel.ServiceLink{URL: url, RootCAs: pool}, nil
}
