package container

import "testing"

func TestPodOf(t *testing.T) {
	const uid = "6f1c2d3e-aaaa-4bbb-8ccc-0123456789ab"
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		path string
		want Pod
		ok   bool
	}{
		{"/var/log/pods/ingress-nginx_ingress-nginx-controller-7d9f8b-x2x4k_" + uid + "/controller/0.log",
			Pod{Namespace: "ingress-nginx", Name: "ingress-nginx-controller-7d9f8b-x2x4k", UID: uid, Container: "controller"}, true},
		{"/host/var/log/pods/kube-system_etcd-node.example.com_0123abcd0123abcd0123abcd0123abcd/etcd/12.log",
			Pod{Namespace: "kube-system", Name: "etcd-node.example.com", UID: "0123abcd0123abcd0123abcd0123abcd", Container: "etcd"}, true},
		{"/var/log/pods/default_web_" + uid + "/haproxy/0.log.20261201-100000",
			Pod{Namespace: "default", Name: "web", UID: uid, Container: "haproxy"}, true},
		{"/var/log/containers/web-5d8_default_haproxy-" + id + ".log",
			Pod{Namespace: "default", Name: "web-5d8", Container: "haproxy", ContainerID: id}, true},
		{"/var/log/pods/default_web_" + uid + "/containers/0.log",
			Pod{Namespace: "default", Name: "web", UID: uid, Container: "containers"}, true},
		{"/var/log/pods/default_web_" + uid + "/haproxy/current.log", Pod{}, false},
		{"/var/log/pods/default_web/haproxy/0.log", Pod{}, false},
		{"/var/log/pods/default_web_" + uid + "_x/haproxy/0.log", Pod{}, false},
		{"/var/log/pods/Default_web_" + uid + "/haproxy/0.log", Pod{}, false},
		{"/var/log/other/default_web_" + uid + "/haproxy/0.log", Pod{}, false},
		{"/var/log/haproxy.log", Pod{}, false},
		{"/var/log/containers/web_default_haproxy.log", Pod{}, false},
		{"0.log", Pod{}, false},
		{"", Pod{}, false},
	}
	for _, tt := range tests {
		got, ok := PodOf(tt.path)
		if ok != tt.ok || got != tt.want {
			t.Errorf("PodOf(%q) = %+v, %v; want %+v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}
