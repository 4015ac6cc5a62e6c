package sphereemu_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/sphere-emu/sphere-emu"

// domains are the trust domains: each is an implementation package that may
// not depend, even indirectly, on another's. Their subpackages (wire formats
// such as pluton/plutonmsg) are what other domains may use.
var domains = []string{"pluton", "secmon", "kernel", "appcore", "rtcore"}

func deps(t *testing.T, pkgs ...string) map[string][]string {
	t.Helper()
	args := append([]string{"list", "-deps=false", "-e", "-f", "{{.ImportPath}} {{join .Deps \" \"}}"}, pkgs...)
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			m[f[0]] = f[1:]
		}
	}
	return m
}

// TestDomainsDoNotImportEachOther enforces DESIGN.md rule 1: a trust domain
// never imports another domain's implementation, directly or through any
// chain of packages; and no wire-format subpackage imports a domain.
func TestDomainsDoNotImportEachOther(t *testing.T) {
	isDomain := map[string]bool{}
	for _, d := range domains {
		isDomain[module+"/"+d] = true
	}
	all := deps(t, "./...")
	checked := 0
	for pkg, ds := range all {
		owner := ""
		for _, d := range domains {
			if pkg == module+"/"+d || strings.HasPrefix(pkg, module+"/"+d+"/") {
				owner = module + "/" + d
			}
		}
		if owner == "" {
			continue
		}
		checked++
		for _, dep := range ds {
			if !isDomain[dep] {
				continue
			}
			if pkg == owner && dep == owner {
				continue
			}
			if pkg != owner {
				t.Errorf("wire-format package %s imports the domain %s; wire packages must stand alone", pkg, dep)
			} else if dep != owner {
				t.Errorf("domain %s imports domain %s; talk to it through mailbox messages and its wire-format subpackage", pkg, dep)
			}
		}
	}
	if checked < 4 {
		t.Fatalf("checked only %d domain packages; is the module layout as expected?", checked)
	}
}

// TestServiceAndDeviceMeetOnlyOnTheWire: the security service never imports
// a device domain, and a device domain reaches the service only through its
// wire format (service/api) — as the real device reaches AS3 only over the
// network.
func TestServiceAndDeviceMeetOnlyOnTheWire(t *testing.T) {
	all := deps(t, "./...")
	svc := module + "/service"
	checked := 0
	for pkg, ds := range all {
		inService := pkg == svc || strings.HasPrefix(pkg, svc+"/")
		inDomain := false
		for _, d := range domains {
			if pkg == module+"/"+d || strings.HasPrefix(pkg, module+"/"+d+"/") {
				inDomain = true
			}
		}
		if !inService && !inDomain {
			continue
		}
		checked++
		for _, dep := range ds {
			switch {
			case inService:
				for _, d := range domains {
					if dep == module+"/"+d {
						t.Errorf("%s imports the device domain %s", pkg, dep)
					}
				}
			case inDomain && (dep == svc || strings.HasPrefix(dep, svc+"/")) && dep != svc+"/api":
				t.Errorf("%s imports %s; a device domain may use only service/api", pkg, dep)
			}
		}
	}
	if checked < 6 {
		t.Fatalf("checked only %d packages", checked)
	}
}
