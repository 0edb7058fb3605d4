package bundle

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/operator-framework/api/pkg/operators/v1alpha1"
)

// widgetKind is a small API in the shape of api/v1alpha2: a root kind with
// spec and status, a nested struct, a pointer, an inlined struct and a
// slice of structs.
const widgetKind = `package v1

// Widget makes widgets.
// It has two lines of doc.
//
// +kubebuilder:object:root=true
// +operator-sdk:csv:customresourcedefinitions:displayName="Widget",resources={{Deployment,v1,""}}
type Widget struct {
	Spec   WidgetSpec   ` + "`json:\"spec,omitempty\"`" + `
	Status WidgetStatus ` + "`json:\"status,omitempty\"`" + `
}

// WidgetList is a list.
// +kubebuilder:object:root=true
type WidgetList struct {
	Items []Widget ` + "`json:\"items\"`" + `
}

type WidgetSpec struct {
	// Size of the widget.
	// +kubebuilder:validation:Minimum=0
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Size",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:podCount"}
	Size int ` + "`json:\"size\"`" + `
	TLS *TLS ` + "`json:\"tls,omitempty\"`" + `
	Common ` + "`json:\",inline\"`" + `
	Parts []Part ` + "`json:\"parts,omitempty\"`" + `
	Ignored string ` + "`json:\"-\"`" + `
}

type TLS struct {
	// Secret holds the certificate.
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="TLS Secret"
	Secret string ` + "`json:\"secret\"`" + `
}

type Common struct {
	// +operator-sdk:csv:customresourcedefinitions:type=spec
	Paused bool ` + "`json:\"paused\"`" + `
}

type Part struct {
	Name string ` + "`json:\"name\"`" + `
}

type WidgetStatus struct {
	// Conditions of the widget.
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Conditions",xDescriptors={"urn:alm:descriptor:io.kubernetes.conditions"}
	Conditions []string ` + "`json:\"conditions,omitempty\"`" + `
}
`

func writeAPI(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "types.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadAPI(t *testing.T) {
	api, err := LoadAPI(writeAPI(t, widgetKind))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]v1alpha1.CRDDescription{"Widget": {
		Kind: "Widget", DisplayName: "Widget", Description: "Widget makes widgets. It has two lines of doc.",
		Resources: []v1alpha1.APIResourceReference{{Kind: "Deployment", Version: "v1"}},
		SpecDescriptors: []v1alpha1.SpecDescriptor{
			{Path: "size", DisplayName: "Size", Description: "Size of the widget.", XDescriptors: []string{"urn:alm:descriptor:com.tectonic.ui:podCount"}},
			{Path: "tls.secret", DisplayName: "TLS Secret", Description: "Secret holds the certificate."},
			{Path: "paused"},
		},
		StatusDescriptors: []v1alpha1.StatusDescriptor{
			{Path: "conditions", DisplayName: "Conditions", Description: "Conditions of the widget.", XDescriptors: []string{"urn:alm:descriptor:io.kubernetes.conditions"}},
		},
	}}
	if api.Package != "v1" {
		t.Errorf("package = %q, want v1", api.Package)
	}
	if !reflect.DeepEqual(api.Kinds, want) {
		t.Errorf("kinds =\n%+v\nwant\n%+v", api.Kinds, want)
	}
}

func TestLoadAPIRefusesMisplacedMarkers(t *testing.T) {
	const m = "// +operator-sdk:csv:customresourcedefinitions:"
	tests := []struct {
		name     string
		old, new string // edit of widgetKind
		wantErr  string
	}{
		{
			name: "status marker under spec",
			old:  m + `type=spec,displayName="TLS Secret"`, new: m + `type=status`,
			wantErr: `spec.tls.secret: marker type="status", want type=spec`,
		},
		{
			name: "field marker without type",
			old:  m + `type=spec` + "\n\tPaused", new: m + `displayName=P` + "\n\tPaused",
			wantErr: `spec.paused: marker type="", want type=spec`,
		},
		{
			name: "marker only reachable through a slice",
			old:  "\tName string", new: "\t" + m + "type=spec\n\tName string",
			wantErr: "type Part: field Name has a CSV marker but is not reachable",
		},
		{
			name: "resources on a field",
			old:  m + `type=spec,displayName="TLS Secret"`, new: m + `type=spec,resources={{Secret,v1}}`,
			wantErr: "spec.tls.secret: resources belong on the kind",
		},
		{
			name: "descriptor settings on the kind",
			old:  m + `displayName="Widget",`, new: m + `type=spec,`,
			wantErr: "kind Widget: type and xDescriptors belong on fields",
		},
		{
			name: "malformed marker",
			old:  m + `type=spec,displayName="TLS Secret"`, new: m + `type=spec,displayName="TLS`,
			wantErr: "unterminated quote",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(widgetKind, tt.old) {
				t.Fatalf("test edit %q does not apply", tt.old)
			}
			_, err := LoadAPI(writeAPI(t, strings.Replace(widgetKind, tt.old, tt.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadAPIWithoutTypes(t *testing.T) {
	_, err := LoadAPI(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "no Go struct types") {
		t.Fatalf("error = %v, want no Go struct types", err)
	}
}
