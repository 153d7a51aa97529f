package delivery

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// skaffold does not install here (the module proxy refuses it), so its configuration is
// checked for what it names: every artifact's main package, every chart and values file,
// one artifact and one image value per chart service, and the dev and ci profiles.
func TestSkaffoldNamesWhatExists(t *testing.T) {
	var cfg struct {
		APIVersion string `json:"apiVersion"`
		Build      struct {
			Artifacts []struct {
				Image string `json:"image"`
				Ko    *struct {
					Main         string `json:"main"`
					Dependencies struct {
						Paths []string `json:"paths"`
					} `json:"dependencies"`
				} `json:"ko"`
			} `json:"artifacts"`
		} `json:"build"`
		Deploy struct {
			Helm struct {
				Releases []struct {
					ChartPath         string            `json:"chartPath"`
					ValuesFiles       []string          `json:"valuesFiles"`
					SetValueTemplates map[string]string `json:"setValueTemplates"`
				} `json:"releases"`
			} `json:"helm"`
		} `json:"deploy"`
		Profiles []struct {
			Name    string `json:"name"`
			Patches []struct {
				Path  string `json:"path"`
				Value any    `json:"value"`
			} `json:"patches"`
		} `json:"profiles"`
	}
	readYAML(t, "skaffold.yaml", &cfg)
	if !strings.HasPrefix(cfg.APIVersion, "skaffold/v4") {
		t.Errorf("apiVersion %q", cfg.APIVersion)
	}
	services := chartServices(t)
	var images []string
	for _, a := range cfg.Build.Artifacts {
		if a.Ko == nil {
			t.Errorf("%s: not built with ko", a.Image)
			continue
		}
		name := strings.TrimPrefix(a.Image, "l4l/")
		images = append(images, name)
		if _, ok := services[name]; !ok {
			t.Errorf("artifact %s is not a chart service", a.Image)
		}
		if want := "./services/" + name + "/cmd/" + name; a.Ko.Main != want {
			t.Errorf("%s: main %s, want %s", a.Image, a.Ko.Main, want)
		}
		if fileExists(filepath.Join(repo, "services", name, "cmd")) {
			mains, _ := filepath.Glob(filepath.Join(repo, a.Ko.Main, "*.go"))
			if len(mains) == 0 {
				t.Errorf("%s: %s has no Go files", a.Image, a.Ko.Main)
			}
		} else {
			t.Logf("services/%s is not in this tree: its artifact is not checked", name)
		}
	}
	for name := range services {
		if !slices.Contains(images, name) {
			t.Errorf("chart service %s has no skaffold artifact", name)
		}
	}
	if len(cfg.Deploy.Helm.Releases) != 1 {
		t.Fatalf("%d helm releases", len(cfg.Deploy.Helm.Releases))
	}
	rel := cfg.Deploy.Helm.Releases[0]
	if !fileExists(filepath.Join(repo, rel.ChartPath, "Chart.yaml")) {
		t.Errorf("chartPath %s is not a chart", rel.ChartPath)
	}
	for _, f := range rel.ValuesFiles {
		if !fileExists(filepath.Join(repo, f)) {
			t.Errorf("values file %s does not exist", f)
		}
	}
	for name := range services {
		key := "services." + name + ".image"
		if want := "{{.IMAGE_FULLY_QUALIFIED_l4l_" + name + "}}"; rel.SetValueTemplates[key] != want {
			t.Errorf("setValueTemplates[%s] = %q, want %q", key, rel.SetValueTemplates[key], want)
		}
	}
	var profiles []string
	for _, p := range cfg.Profiles {
		profiles = append(profiles, p.Name)
		for _, patch := range p.Patches {
			if s, ok := patch.Value.(string); ok && strings.HasSuffix(s, ".yaml") && !fileExists(filepath.Join(repo, s)) {
				t.Errorf("profile %s names %s, which does not exist", p.Name, s)
			}
		}
	}
	for _, want := range []string{"dev", "ci"} {
		if !slices.Contains(profiles, want) {
			t.Errorf("no %s profile", want)
		}
	}
}

// Every service has a Dockerfile building its command into a static binary on a non-root
// distroless image, and the images workflow builds every chart service with ko.
func TestImageBuildFiles(t *testing.T) {
	services := chartServices(t)
	for name := range services {
		b, err := os.ReadFile(filepath.Join(repo, "services", name, "Dockerfile"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		d := string(b)
		for _, want := range []string{
			"CGO_ENABLED=0", "./services/" + name + "/cmd/" + name, "FROM gcr.io/distroless/static",
			"USER 65532:65532", `ENTRYPOINT ["/` + name + `"]`,
		} {
			if !strings.Contains(d, want) {
				t.Errorf("services/%s/Dockerfile lacks %q", name, want)
			}
		}
		if strings.Count(d, "FROM ") < 2 {
			t.Errorf("services/%s/Dockerfile is not multi-stage", name)
		}
	}
	ignore, err := os.ReadFile(filepath.Join(repo, ".dockerignore"))
	for _, want := range []string{".cache", "bin", ".git"} {
		if err != nil || !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(want)+`$`).Match(ignore) {
			t.Errorf(".dockerignore does not keep %s out of the build context (%v)", want, err)
		}
	}
	ko, err := os.ReadFile(filepath.Join(repo, ".ko.yaml"))
	if err != nil || !strings.Contains(string(ko), "distroless/static") || !strings.Contains(string(ko), "nonroot") {
		t.Errorf(".ko.yaml: want a distroless non-root base (%v)", err)
	}
	var wf struct {
		Jobs map[string]struct {
			Strategy struct {
				Matrix struct {
					Service []string `json:"service"`
				} `json:"matrix"`
			} `json:"strategy"`
			Steps []struct {
				Run string `json:"run"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	readYAML(t, ".github/workflows/images.yml", &wf)
	var matrix []string
	koBuild := false
	for _, j := range wf.Jobs {
		matrix = append(matrix, j.Strategy.Matrix.Service...)
		for _, s := range j.Steps {
			koBuild = koBuild || strings.Contains(s.Run, "ko build")
		}
	}
	for name := range services {
		if !slices.Contains(matrix, name) {
			t.Errorf("images workflow does not build %s", name)
		}
	}
	if !koBuild {
		t.Error("images workflow has no ko build step")
	}
}

// The CI workflow runs the same script as everywhere, and that script runs make test,
// which runs these checks (delivery-test).
func TestCIRunsTheDeliveryChecks(t *testing.T) {
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Run string `json:"run"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	readYAML(t, ".github/workflows/ci.yml", &wf)
	runsScript := false
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			runsScript = runsScript || strings.Contains(s.Run, ".ci/run")
		}
	}
	if !runsScript {
		t.Error("ci.yml does not run .ci/run")
	}
	script, err := os.ReadFile(filepath.Join(repo, ".ci/run"))
	if err != nil || !regexp.MustCompile(`(?m)^make test\b`).Match(script) {
		t.Errorf(".ci/run does not run make test (%v)", err)
	}
	makefile, err := os.ReadFile(filepath.Join(repo, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	testTarget := regexp.MustCompile(`(?m)^test:.*$`).Find(makefile)
	if !strings.Contains(string(testTarget), "delivery-test") {
		t.Errorf("make test does not depend on delivery-test: %s", testTarget)
	}
}
