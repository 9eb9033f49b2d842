// Package kubernetes holds the DaemonSet manifest README shows; this test
// keeps it parseable and true to the image (deploy/image/Containerfile) and
// to logspan's defaults (internal/config), since no cluster runs it in CI.
package kubernetes

import (
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/logspan/logspan/internal/config"
)

// The parts of a DaemonSet the test looks at.
type daemonSet struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Spec       struct {
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		SupplementalGroups []int `yaml:"supplementalGroups"`
	} `yaml:"securityContext"`
	InitContainers []container `yaml:"initContainers"`
	Containers     []container `yaml:"containers"`
	Volumes        []struct {
		Name     string `yaml:"name"`
		HostPath *struct {
			Path string `yaml:"path"`
		} `yaml:"hostPath"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
	} `yaml:"volumes"`
}

type container struct {
	Name            string   `yaml:"name"`
	Args            []string `yaml:"args"`
	SecurityContext struct {
		RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
		RunAsUser                *int  `yaml:"runAsUser"`
		RunAsGroup               *int  `yaml:"runAsGroup"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
			Add  []string `yaml:"add"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

// image is what the test reads of the Containerfile: its user and volume.
type image struct {
	uid, gid int
	volume   string
}

func readImage(t *testing.T) image {
	t.Helper()
	b, err := os.ReadFile("../image/Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	var img image
	if m := regexp.MustCompile(`(?m)^USER (\d+):(\d+)$`).FindSubmatch(b); m != nil {
		img.uid, _ = strconv.Atoi(string(m[1]))
		img.gid, _ = strconv.Atoi(string(m[2]))
	}
	if m := regexp.MustCompile(`(?m)^VOLUME \["([^"]+)"\]$`).FindSubmatch(b); m != nil {
		img.volume = string(m[1])
	}
	if img.uid == 0 || img.volume == "" {
		t.Fatalf("Containerfile: no numeric non-root USER or no VOLUME [\"...\"] line")
	}
	return img
}

func readDaemonSet(t *testing.T) daemonSet {
	t.Helper()
	b, err := os.ReadFile("daemonset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var ds daemonSet
	// yaml.v3 also refuses a key given twice, which kubectl would take.
	if err := yaml.Unmarshal(b, &ds); err != nil {
		t.Fatalf("daemonset.yaml: %v", err)
	}
	return ds
}

// mebibytes reads a Kubernetes memory quantity in Mi or Gi.
func mebibytes(t *testing.T, q string) int64 {
	t.Helper()
	for suffix, mul := range map[string]int64{"Mi": 1, "Gi": 1024} {
		if n, ok := strings.CutSuffix(q, suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err == nil {
				return v * mul
			}
		}
	}
	t.Fatalf("memory quantity %q: want NMi or NGi", q)
	return 0
}

func TestDaemonSet(t *testing.T) {
	img := readImage(t)
	ds := readDaemonSet(t)
	defaults := config.Daemon{}.WithDefaults()
	if ds.APIVersion != "apps/v1" || ds.Kind != "DaemonSet" {
		t.Fatalf("%s %s, want apps/v1 DaemonSet", ds.APIVersion, ds.Kind)
	}
	for k, v := range ds.Spec.Selector.MatchLabels {
		if ds.Spec.Template.Metadata.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the pod template's labels", k, v)
		}
	}
	pod := ds.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want logspan alone", len(pod.Containers))
	}
	c := pod.Containers[0]

	t.Run("runs logspan run with the ConfigMap's rules", func(t *testing.T) {
		if len(c.Args) == 0 || c.Args[0] != "run" {
			t.Fatalf("args %q: want logspan run", c.Args)
		}
		i := slices.Index(c.Args, "--config")
		if i < 0 || i+1 >= len(c.Args) {
			t.Fatalf("args %q: no --config", c.Args)
		}
		rules := c.Args[i+1]
		mounted := false
		for _, m := range c.VolumeMounts {
			for _, v := range pod.Volumes {
				if v.Name == m.Name && v.ConfigMap != nil && m.MountPath == path.Dir(rules) {
					mounted = true
				}
			}
		}
		if !mounted {
			t.Errorf("--config %s: no ConfigMap is mounted at %s", rules, path.Dir(rules))
		}
	})

	t.Run("follows the pods' logs as CRI records", func(t *testing.T) {
		i := slices.Index(c.Args, "--format")
		if i < 0 || i+1 >= len(c.Args) || c.Args[i+1] != "cri" {
			t.Errorf("args %q: no --format cri", c.Args)
		}
		glob := c.Args[len(c.Args)-1]
		if ok, _ := path.Match(glob, "/var/log/pods/ns_pod_0c9f4a52-7d1e-4b8a-9f3e-2a6b1c0d9e8f/haproxy/0.log"); !ok {
			t.Errorf("the last argument %q does not match a pod's log under /var/log/pods", glob)
		}
		if ok, _ := path.Match(glob, "/var/log/pods/ns_pod_0c9f4a52-7d1e-4b8a-9f3e-2a6b1c0d9e8f/haproxy/0.log.20261201-100000.gz"); !ok {
			t.Errorf("the last argument %q does not match a rotated log, which a restart must resume", glob)
		}
	})

	t.Run("root by ownership only: no capabilities, read-only, no escalation", func(t *testing.T) {
		sc := c.SecurityContext
		if sc.RunAsUser == nil || *sc.RunAsUser != 0 || sc.RunAsNonRoot == nil || *sc.RunAsNonRoot {
			t.Error("not uid 0 with runAsNonRoot false: the runtime's log files are root's 0600/0640")
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Error("readOnlyRootFilesystem is not true")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Error("allowPrivilegeEscalation is not false")
		}
		if !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			t.Errorf("capabilities drop %q add %q: want ALL dropped and none added", sc.Capabilities.Drop, sc.Capabilities.Add)
		}
		if img.uid == 0 {
			t.Error("the image's own user is root: it should stay 65532 for other uses")
		}
	})

	t.Run("pod logs read-only from the node at their own path, state kept on the node", func(t *testing.T) {
		var logs, state bool
		for _, m := range c.VolumeMounts {
			for _, v := range pod.Volumes {
				if v.Name != m.Name || v.HostPath == nil {
					continue
				}
				switch {
				case v.HostPath.Path == "/var/log/pods":
					logs = m.ReadOnly && m.MountPath == v.HostPath.Path
				case m.MountPath == img.volume:
					state = !m.ReadOnly && v.HostPath.Path == defaults.StateDir
				case !m.ReadOnly:
					t.Errorf("hostPath %s is mounted writable", v.HostPath.Path)
				}
			}
		}
		if !logs {
			t.Error("hostPath /var/log/pods is not mounted read-only at /var/log/pods")
		}
		if img.volume != defaults.StateDir {
			t.Errorf("the image's VOLUME %s is not the default state directory %s", img.volume, defaults.StateDir)
		}
		if !state {
			t.Errorf("the state directory %s is not a writable hostPath %s", img.volume, defaults.StateDir)
		}
		for _, ic := range pod.InitContainers {
			if ic.SecurityContext.RunAsUser == nil || *ic.SecurityContext.RunAsUser == 0 {
				for _, m := range ic.VolumeMounts {
					if m.MountPath != img.volume {
						t.Errorf("init container %s runs as root with %s mounted", ic.Name, m.MountPath)
					}
				}
			}
		}
	})

	t.Run("resources and stop time fit logspan's defaults", func(t *testing.T) {
		for _, r := range []map[string]string{c.Resources.Requests, c.Resources.Limits} {
			if r["cpu"] == "" || r["memory"] == "" {
				t.Fatalf("resources %v: want cpu and memory requests and limits", c.Resources)
			}
		}
		if limit, heap := mebibytes(t, c.Resources.Limits["memory"]), defaults.MemoryLimit>>20; limit <= heap {
			t.Errorf("memory limit %d MiB is not above daemon.memory_limit's default heap goal, %d MiB", limit, heap)
		}
		grace := time.Duration(pod.TerminationGracePeriodSeconds) * time.Second
		if grace <= defaults.ShutdownTimeout {
			t.Errorf("terminationGracePeriodSeconds %v: not above daemon.shutdown_timeout's default %v", grace, defaults.ShutdownTimeout)
		}
	})
}
