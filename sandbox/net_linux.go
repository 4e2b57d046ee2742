//go:build linux

package sandbox

import (
	"golang.org/x/sys/unix"
)

// proxyListen opens the egress proxy's listening socket on
// 127.0.0.1:port in the sandbox's network namespace, for the supervisor
// to serve: connections the script makes to it arrive at the host-side
// proxy without a route out of the namespace.
func proxyListen(port int) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fail("network: proxy socket", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		unix.Close(fd)
		return -1, fail("network: bind the proxy port", err)
	}
	if err := unix.Listen(fd, 128); err != nil {
		unix.Close(fd)
		return -1, fail("network: listen on the proxy port", err)
	}
	return fd, nil
}

// loopbackUp brings up lo in the sandbox's fresh network namespace: the
// only interface there is, with no route anywhere else.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fail("network: socket", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fail("network: lo", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fail("network: lo flags", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fail("network: lo up", err)
	}
	return nil
}
