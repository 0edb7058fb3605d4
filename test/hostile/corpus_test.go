package hostile

import (
	"reflect"
	"testing"
)

// TestCorpus: the corpus is large, deterministic and sound, and the sample
// the CI runs covers every class.
func TestCorpus(t *testing.T) {
	all := Generate()
	if len(all) < 1000 {
		t.Errorf("the corpus has %d cases; the issue asks for at least 1000", len(all))
	}
	if again := Generate(); !reflect.DeepEqual(all, again) {
		t.Error("two generations differ: the corpus is not deterministic")
	}
	counts := map[string]int{}
	for _, c := range all {
		counts[c.Class]++
		if c.Field == "" || c.Class == "" {
			t.Errorf("%s: no field or class", c.ID)
		}
		if _, err := Body(c.Name, "ns", c.Spec); err != nil {
			t.Errorf("%s: %v", c.ID, err)
		}
	}
	sample := Sample(all, DefaultSampleSize)
	if !reflect.DeepEqual(sample, Sample(all, DefaultSampleSize)) {
		t.Error("two samples differ")
	}
	inSample := map[string]int{}
	for _, c := range sample {
		inSample[c.Class]++
	}
	for class, n := range counts {
		if inSample[class] == 0 {
			t.Errorf("class %s (%d cases) is not in the sample", class, n)
		}
	}
	if len(sample) > DefaultSampleSize+len(counts) {
		t.Errorf("sample has %d cases, want about %d", len(sample), DefaultSampleSize)
	}
	t.Logf("%d cases in %d classes; sample %d: %v", len(all), len(counts), len(sample), counts)
}
