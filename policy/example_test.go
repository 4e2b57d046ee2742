package policy_test

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/cordonsec/cordon/policy"
)

func ExampleParse() {
	_, err := policy.Parse("ci.yaml", []byte("limits:\n  memory: 256MB!\n  cpu_tme: 5s\n"))
	var es policy.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			fmt.Printf("%s:%d:%d: %s\n", e.File, e.Line, e.Column, e.Field)
		}
	}
	// Output:
	// ci.yaml:2:11: limits.memory
	// ci.yaml:3:3: limits
}

func ExampleDomainMatcher() {
	m, _ := policy.NewDomainMatcher([]string{"*.example.com", "api.example.org:8443"}, []int{443})
	fmt.Println(m.Allow("A.B.Example.COM.", 443), m.Allow("example.com", 443), m.Allow("api.example.org", 443), m.Allow("api.example.org", 8443))
	// Output: true false false true
}

func ExampleClassify() {
	for _, a := range []string{"::ffff:169.254.169.254", "10.1.2.3", "1.1.1.1"} {
		fmt.Println(a, policy.Classify(netip.MustParseAddr(a)))
	}
	// Output:
	// ::ffff:169.254.169.254 cloud-metadata
	// 10.1.2.3 private
	// 1.1.1.1 public
}

func ExampleTighten() {
	ceiling := policy.Default()
	request := policy.Default()
	request.Limits.Memory = 1 << 30
	_, err := policy.Tighten(ceiling, request)
	fmt.Println(err)
	// Output: limits.memory: loosens the ceiling: 1GiB is above the ceiling's 256MiB
}
