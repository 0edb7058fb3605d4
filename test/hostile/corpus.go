// Package hostile generates NatsCluster specs a hostile or careless tenant
// could write, and checks what the operator made of them. The corpus is
// generated in Go from a fixed seed, so every run applies the same specs and
// a failure names a case that can be rebuilt exactly (Case.ID).
//
// The integration test in this package applies the corpus to a real API
// server with the operator running: `go test ./test/hostile/...` applies a
// deterministic sample that covers every class, `make hostile` applies all
// of it (HOSTILE_FULL=1).
package hostile

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
)

// Expect is what the operator and the API server must make of a case.
type Expect int

const (
	// Contained: refused at admission with a message that names the field,
	// or admitted and then deployed or reported on the NatsCluster; never an
	// object it should not have, a nats.conf the operator does not own, or a
	// dead operator.
	Contained Expect = iota
	// Refused: the CRD's bounds must refuse it at admission.
	Refused
	// Deploys: a valid spec, however odd, must reach Deployed=True.
	Deploys
)

func (e Expect) String() string {
	return [...]string{"contained", "refused", "deploys"}[e]
}

// Case is one hostile or odd NatsCluster.
type Case struct {
	// ID is unique and stable: class/field/variant.
	ID string
	// Class groups cases by what they attack; counts are reported per class.
	Class string
	// Field is the attacked field as the API server names it (spec.size,
	// metadata.name); a refusal must name it.
	Field string
	// Name is the NatsCluster's name; empty means defaultName unless
	// NoName.
	Name string
	// NoName: the NatsCluster is sent without a name.
	NoName bool
	// Spec is the NatsCluster's spec, as JSON goes to the API server: any
	// JSON value, with json.Number for numbers beyond float64.
	Spec any
	// Expect is the outcome the case must have.
	Expect Expect
	// RefusalMentions are the words one of which a refusal's message must
	// contain; empty means the last segment of Field.
	RefusalMentions []string
	// Siblings are valid NatsClusters created first in the same namespace.
	Siblings []Sibling
	// Planted are objects (as JSON objects, without namespace) created in
	// the namespace before any NatsCluster; the operator must leave them
	// exactly as they are.
	Planted []map[string]any
}

// Sibling is another NatsCluster in the case's namespace.
type Sibling struct {
	Name string
	Spec any
}

// Body is the JSON the API server receives for a NatsCluster.
func Body(name, namespace string, spec any) ([]byte, error) {
	obj := map[string]any{
		"apiVersion": "nats.io/v1alpha2",
		"kind":       "NatsCluster",
		"metadata":   map[string]any{"name": name, "namespace": namespace},
	}
	if spec != nil {
		obj["spec"] = spec
	}
	return json.Marshal(obj)
}

// Mentions are the words one of which a refusal of c must contain.
func (c Case) Mentions() []string {
	if len(c.RefusalMentions) > 0 {
		return c.RefusalMentions
	}
	return []string{leafOf(c.Field)}
}

// Seed makes the corpus; changing it changes every random choice.
const Seed = 20260808

// Generate returns the whole corpus, in a stable order, with unique IDs.
func Generate() []Case {
	g := &gen{rnd: rand.New(rand.NewSource(Seed))}
	for _, class := range classes {
		class.add(g)
	}
	sort.SliceStable(g.cases, func(i, j int) bool { return g.cases[i].ID < g.cases[j].ID })
	seen := map[string]bool{}
	for i, c := range g.cases {
		if seen[c.ID] {
			panic(fmt.Sprintf("hostile: duplicate case ID %s", c.ID))
		}
		seen[c.ID] = true
		if c.Name == "" && !c.NoName {
			g.cases[i].Name = defaultName
		}
	}
	return g.cases
}

// defaultName is the NatsCluster's name when the case does not attack it.
const defaultName = "nats"

// Sample picks n cases deterministically: every class at least
// minPerClass times (or all of it), the rest spread in proportion.
func Sample(all []Case, n int) []Case {
	byClass := map[string][]Case{}
	var names []string
	for _, c := range all {
		if _, ok := byClass[c.Class]; !ok {
			names = append(names, c.Class)
		}
		byClass[c.Class] = append(byClass[c.Class], c)
	}
	sort.Strings(names)
	rnd := rand.New(rand.NewSource(Seed))
	for _, name := range names {
		cs := byClass[name]
		rnd.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
	}
	var out []Case
	taken := map[string]int{}
	take := func(name string) bool {
		if taken[name] >= len(byClass[name]) {
			return false
		}
		out = append(out, byClass[name][taken[name]])
		taken[name]++
		return true
	}
	for _, name := range names {
		for i := 0; i < minPerClass; i++ {
			take(name)
		}
	}
	for len(out) < n {
		progressed := false
		for _, name := range names {
			// Round-robin weighted by class size: big classes get more turns.
			turns := 1 + len(byClass[name])/100
			for i := 0; i < turns && len(out) < n; i++ {
				if take(name) {
					progressed = true
				}
			}
		}
		if !progressed {
			break
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// minPerClass is how many cases of each class the sample keeps at least.
const minPerClass = 3

// gen collects cases; the classes add to it.
type gen struct {
	rnd   *rand.Rand
	cases []Case
}

func (g *gen) add(c Case) { g.cases = append(g.cases, c) }

// class is one family of cases.
type class struct {
	name string
	add  func(*gen)
}

func leafOf(field string) string {
	for i := len(field) - 1; i >= 0; i-- {
		if field[i] == '.' {
			return field[i+1:]
		}
	}
	return field
}

// classes is the whole corpus, in order.
var classes = []class{
	sweepClass("inject-conf", fullBase, confPayloads, 6),
	sweepClass("inject-manifest", fullBase, manifestPayloads, 5),
	sweepClass("inject-conf-files", filesBase, confPayloads, len(confPayloads)),
	sweepClass("inject-values", chartValuesBase, append(append([]payload{}, confPayloads...), manifestPayloads...), 8),
	keyInjection,
	intBounds, sizes, lists, hugeStrings, nesting,
	names, ports, labels, annotations,
	mounts, serverFlags, envShadow, templates, podPolicy,
	chartValues, ownedConfig, collisions, typeConfusion, paused, weird,
}

// DefaultSampleSize is how many cases `go test` applies without
// HOSTILE_FULL.
const DefaultSampleSize = 150
