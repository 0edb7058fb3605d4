package status

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEventMessageKeepsRunesWhole(t *testing.T) {
	s := strings.Repeat("é", 600) // 1200 bytes
	got := EventMessage(s)
	if len(got) > MaxEventMessage || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("EventMessage: %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if short := "refused"; EventMessage(short) != short {
		t.Errorf("a short message was changed")
	}
}
