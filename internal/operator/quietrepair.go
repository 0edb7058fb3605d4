package operator

import (
	"context"
	"encoding/json"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// alwaysPatchedKinds are the kinds whose drift-repair patch is never empty:
// helm-operator-plugins' drift repair sends a three-way strategic merge
// patch for every object that yields one, and a PodDisruptionBudget's
// spec.selector has the patch strategy "replace", so its patch always
// carries the selector. The API server then stores nothing, but the
// request is a write on every drift reconcile of every cluster.
var alwaysPatchedKinds = map[string]bool{"PodDisruptionBudget": true}

// liveHolds reports whether want is of an always-patched kind and its live
// object holds every field want sets, with the same value; a missing
// object holds nothing.
func liveHolds(ctx context.Context, reader client.Reader, want *unstructured.Unstructured) (bool, error) {
	if !alwaysPatchedKinds[want.GetKind()] {
		return false, nil
	}
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(want.GroupVersionKind())
	err := reader.Get(ctx, client.ObjectKey{Namespace: want.GetNamespace(), Name: want.GetName()}, live)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return holds(live.Object, want.Object)
}

// holds reports whether live has every field of want with an equal value:
// maps may have more keys, lists must match element by element. Both are
// compared as JSON values, so 1 and 1.0 are the same number.
func holds(live, want map[string]any) (bool, error) {
	l, err := asJSON(live)
	if err != nil {
		return false, err
	}
	w, err := asJSON(want)
	if err != nil {
		return false, err
	}
	return holdsValue(l, w), nil
}

func asJSON(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(raw, &out)
}

func holdsValue(live, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			lv, ok := l[k]
			if !ok || !holdsValue(lv, wv) {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(w) {
			return false
		}
		for i := range w {
			if !holdsValue(l[i], w[i]) {
				return false
			}
		}
		return true
	default:
		return equality.Semantic.DeepEqual(live, want)
	}
}
