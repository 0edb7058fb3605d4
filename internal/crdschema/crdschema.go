// Package crdschema applies a CRD's schema to an object without an API
// server: defaults, unknown-field detection, OpenAPI validation and CEL
// rules, with the API server's own code. The render command uses it so that
// what it prints is what the operator would get from the cluster.
package crdschema

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

// Schema is one served version of a CRD.
type Schema struct {
	GVK schema.GroupVersionKind
	// statusSubresource: the API server drops status on create.
	statusSubresource bool
	structural        *structuralschema.Structural
	validator         validation.SchemaValidator
	cel               *cel.Validator
}

// Load reads a CRD manifest and prepares the schema of the given version.
func Load(crdYAML []byte, version string) (*Schema, error) {
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(crdYAML, &crd); err != nil {
		return nil, fmt.Errorf("reading CRD: %w", err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name != version || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		var internal apiextensions.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
			return nil, fmt.Errorf("converting schema of %s: %w", crd.Name, err)
		}
		structural, err := structuralschema.NewStructural(&internal)
		if err != nil {
			return nil, fmt.Errorf("schema of %s is not structural: %w", crd.Name, err)
		}
		validator, _, err := validation.NewSchemaValidator(&internal)
		if err != nil {
			return nil, fmt.Errorf("schema of %s: %w", crd.Name, err)
		}
		return &Schema{
			GVK:               schema.GroupVersionKind{Group: crd.Spec.Group, Version: version, Kind: crd.Spec.Names.Kind},
			statusSubresource: v.Subresources != nil && v.Subresources.Status != nil,
			structural:        structural,
			validator:         validator,
			cel:               cel.NewValidator(structural, true, celconfig.PerCallLimit),
		}, nil
	}
	return nil, fmt.Errorf("CRD %s has no schema for version %s", crd.Name, version)
}

// Admit does to obj what the API server does on create: it drops status
// (with a status subresource), refuses unknown fields (as kubectl's strict
// field validation does), applies defaults, and checks the OpenAPI schema
// and the CEL rules. obj is modified in place.
func (s *Schema) Admit(ctx context.Context, obj map[string]any) error {
	if err := normalize(obj); err != nil {
		return fmt.Errorf("%s is not a JSON object: %w", s.GVK.Kind, err)
	}
	if s.statusSubresource {
		delete(obj, "status") // rules may depend on it: has(self.status) means "not a create"
	}
	unknown := pruning.PruneWithOptions(deepCopy(obj), s.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	if len(unknown) > 0 {
		// Worded like kubectl's strict field validation, which refuses them too.
		quoted := make([]string, len(unknown))
		for i, p := range unknown {
			quoted[i] = strconv.Quote(p)
		}
		return fmt.Errorf("%s is invalid: unknown field %s", s.GVK.Kind, strings.Join(quoted, ", unknown field "))
	}
	var errs field.ErrorList
	defaulting.Default(obj, s.structural)
	errs = append(errs, validation.ValidateCustomResource(nil, obj, s.validator)...)
	if len(errs) == 0 {
		celErrs, _ := s.cel.Validate(ctx, nil, s.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s is invalid: %w", s.GVK.Kind, errs.ToAggregate())
	}
	return nil
}

// normalize turns obj into the JSON types the API server decodes (int64
// for whole numbers, float64 otherwise, never int) in place, so that callers
// may build objects in Go and the CEL rules of int-or-string fields see an
// int where the API server sees one.
func normalize(obj map[string]any) error {
	raw, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	var out map[string]any
	if err := utiljson.Unmarshal(raw, &out); err != nil {
		return err
	}
	clear(obj)
	for k, v := range out {
		obj[k] = v
	}
	return nil
}

// deepCopy copies a JSON object; the pruning pass must not touch obj.
func deepCopy(obj map[string]any) map[string]any {
	return runtime.DeepCopyJSONValue(obj).(map[string]any)
}
