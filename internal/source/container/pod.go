package container

import "strings"

// Pod is what the path of a Kubernetes container log says about the
// container: the kubelet names each file after the pod and container that
// wrote it, and those are what a trace backend groups spans by
// (k8s.namespace.name, k8s.pod.name, k8s.pod.uid, k8s.container.name).
type Pod struct {
	Namespace, Name, UID, Container string
	// ContainerID is the runtime's id of the container, known from the
	// names under /var/log/containers only ("" otherwise).
	ContainerID string
}

// PodOf reads a container log's path. It knows the two layouts the kubelet
// writes, whatever directory the host's /var/log is mounted at:
//
//	…/pods/<namespace>_<pod>_<uid>/<container>/<N>.log    (and N.log.<date>, rotated)
//	…/containers/<pod>_<namespace>_<container>-<id>.log   (symlinks to the former)
//
// ok is false for any other path: a file elsewhere is not taken for a
// container's log by its name alone. The strings are substrings of path.
func PodOf(path string) (p Pod, ok bool) {
	dir, file := split(path)
	dir, container := split(dir)
	if container == "containers" && dir != "" {
		if p, ok := linkPod(file); ok {
			return p, true
		}
	}
	dir, podDir := split(dir)
	_, pods := split(dir)
	if pods != "pods" || !isLogName(file) || !isName(container, false) {
		return Pod{}, false
	}
	ns, rest, ok1 := strings.Cut(podDir, "_")
	name, uid, ok2 := strings.Cut(rest, "_")
	if !ok1 || !ok2 || !isName(ns, false) || !isName(name, true) || !isUID(uid) {
		return Pod{}, false
	}
	return Pod{Namespace: ns, Name: name, UID: uid, Container: container}, true
}

// linkPod reads the name of a link under /var/log/containers.
func linkPod(file string) (Pod, bool) {
	base, ok := strings.CutSuffix(file, ".log")
	if !ok {
		return Pod{}, false
	}
	name, rest, ok1 := strings.Cut(base, "_")
	ns, rest, ok2 := strings.Cut(rest, "_")
	dash := strings.LastIndexByte(rest, '-')
	if !ok1 || !ok2 || dash < 0 {
		return Pod{}, false
	}
	container, id := rest[:dash], rest[dash+1:]
	if !isName(name, true) || !isName(ns, false) || !isName(container, false) || !isHex(id) {
		return Pod{}, false
	}
	return Pod{Namespace: ns, Name: name, Container: container, ContainerID: id}, true
}

// split cuts path at its last slash.
func split(path string) (dir, base string) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

// isLogName says file is N.log, or N.log.<suffix> (rotated by the kubelet).
func isLogName(file string) bool {
	i := 0
	for i < len(file) && file[i] >= '0' && file[i] <= '9' {
		i++
	}
	rest := file[i:]
	return i > 0 && (rest == ".log" || strings.HasPrefix(rest, ".log."))
}

// isName says s is a Kubernetes object name: lower-case letters, digits and
// dashes (a DNS label), and dots too where dotted names are allowed (a pod's
// DNS subdomain name). Underscores never are, which is what makes the
// kubelet's names unambiguous.
func isName(s string, dots bool) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || dots && c == '.') {
			return false
		}
	}
	return true
}

// isUID says s is a pod's UID: a UUID, or the hash a static pod gets.
func isUID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '-') {
			return false
		}
	}
	return true
}

// isHex says s is a container id: lower-case hexadecimal digits.
func isHex(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
