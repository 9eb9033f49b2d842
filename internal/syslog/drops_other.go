//go:build !linux

package syslog

import "net"

// reportDrops does nothing where SO_RXQ_OVFL does not exist.
func reportDrops(*net.UDPConn) error { return nil }

func droppedCount([]byte) (int64, bool) { return 0, false }
