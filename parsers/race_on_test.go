//go:build race

package parsers

// raceEnabled is set under -race, whose instrumentation adds allocations.
const raceEnabled = true
