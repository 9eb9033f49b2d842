package config

import (
	"runtime"
	"sync"
)

// compileDrafts compiles the rules on all CPUs and returns those without
// problems, in file order, reporting the problems of each in file order
// too. Compiling a rule is mostly expanding and compiling its regular
// expression, tens of milliseconds for the larger shipped layouts, and the
// rules are independent: a start-up (or a reload) with the two dozen
// shipped rules should not wait for them one after the other.
func compileDrafts(p *problems, drafts []*draft) []*Rule {
	rules := make([]*Rule, len(drafts))
	found := make([]Problems, len(drafts))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(drafts)) {
		wg.Go(func() {
			for i := range next {
				own := &problems{file: p.file}
				rules[i] = drafts[i].compile(own)
				found[i] = own.found
			}
		})
	}
	for i := range drafts {
		next <- i
	}
	close(next)
	wg.Wait()
	var out []*Rule
	for i, r := range rules {
		p.found = append(p.found, found[i]...)
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}
