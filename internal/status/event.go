package status

import "unicode/utf8"

// MaxEventMessage bounds an Event's message as events.k8s.io bounds a
// note; the condition keeps the whole message.
const MaxEventMessage = 1024

// EventMessage is s cut to MaxEventMessage bytes, on a rune boundary, with
// an ellipsis when it was cut: Helm errors and refusals can be long.
func EventMessage(s string) string {
	if len(s) <= MaxEventMessage {
		return s
	}
	const ellipsis = "…"
	cut := MaxEventMessage - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
