package delivery

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every service's image builds with ko (.ko.yaml) and carries the entrypoint, the non-root
// user and the labels the chart and the registry rely on. There is no Docker engine and no
// route to gcr.io here, so the base is a stand-in for distroless/static:nonroot built on the
// spot (an empty OCI image whose config says user 65532, like distroless's nonroot), served
// by `crane registry serve` on loopback; ko builds exactly as in the images workflow.
func TestImagesBuildWithKo(t *testing.T) {
	t.Parallel() // the slow ones (a dev stack, ko builds, an API server) overlap
	ko := tool(t, "L4L_KO", "bin/ko")
	crane := tool(t, "L4L_CRANE", "bin/crane")
	registry := serveRegistry(t, crane)
	base := registry + "/base:nonroot"
	dir := t.TempDir()
	emptyLayer := filepath.Join(dir, "empty.tar")
	if err := writeTar(emptyLayer); err != nil {
		t.Fatal(err)
	}
	mustRun(t, crane, "append", "--oci-empty-base", "-f", emptyLayer, "-t", base)
	mustRun(t, crane, "mutate", "--set-platform", "linux/amd64", "--user", "65532:65532", base)

	services := chartServices(t)
	built := 0
	for name := range services {
		main := "./services/" + name + "/cmd/" + name
		if !fileExists(filepath.Join(repo, main)) {
			t.Logf("%s is not in this tree: its image is not built", main)
			continue
		}
		t.Run(name, func(t *testing.T) {
			tarball := filepath.Join(dir, name+".tar")
			cmd := exec.Command(ko, "build", "--push=false", "--tarball", tarball, "--bare", "--platform", "linux/amd64",
				"--image-label", "org.opencontainers.image.source=https://github.com/l4l-platform/l4l",
				"--image-label", "org.opencontainers.image.title=l4l "+name, main)
			cmd.Dir = repo
			// GOWORK= : the repository's workspace (make runs this module with GOWORK=off).
			cmd.Env = append(os.Environ(), "GOWORK=", "KO_DEFAULTBASEIMAGE="+base, "KO_DOCKER_REPO="+registry+"/l4l/"+name)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("ko build %s: %v\n%s", main, err, out)
			}
			cfg := imageConfig(t, tarball)
			if want := "/ko-app/" + name; len(cfg.Entrypoint) != 1 || cfg.Entrypoint[0] != want {
				t.Errorf("entrypoint %v, want [%s]", cfg.Entrypoint, want)
			}
			if cfg.User != "65532:65532" {
				t.Errorf("user %q, want 65532:65532 (non-root, numeric, as the chart's runAsUser)", cfg.User)
			}
			if got := cfg.Labels["org.opencontainers.image.title"]; got != "l4l "+name {
				t.Errorf("title label %q", got)
			}
			if cfg.Labels["org.opencontainers.image.source"] == "" {
				t.Errorf("no source label")
			}
			built++
		})
	}
	if built == 0 {
		t.Fatal("no image built")
	}
}

// serveRegistry starts `crane registry serve` on a free loopback port until the test ends.
func serveRegistry(t *testing.T, crane string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, crane, "registry", "serve", "--address", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("crane registry serve on %s: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func writeTar(path string) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

type ociConfig struct {
	Entrypoint []string          `json:"Entrypoint"`
	User       string            `json:"User"`
	Labels     map[string]string `json:"Labels"`
}

// imageConfig reads the image configuration from a `ko build --tarball` (docker save format).
func imageConfig(t *testing.T, tarball string) ociConfig {
	t.Helper()
	files := map[string][]byte{}
	f, err := os.Open(tarball)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "manifest.json" || strings.HasSuffix(h.Name, ".json") || strings.HasPrefix(h.Name, "sha256:") {
			b, _ := io.ReadAll(tr)
			files[h.Name] = b
		}
	}
	var manifest []struct{ Config string }
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("manifest.json: %v (%d images)", err, len(manifest))
	}
	var cfg struct {
		Config ociConfig `json:"config"`
	}
	raw, ok := files[manifest[0].Config]
	if !ok {
		t.Fatalf("config %s not in the tarball", manifest[0].Config)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(fmt.Errorf("image config: %w", err))
	}
	return cfg.Config
}
