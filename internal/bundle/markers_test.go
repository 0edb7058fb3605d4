package bundle

import (
	"reflect"
	"strings"
	"testing"

	"github.com/operator-framework/api/pkg/operators/v1alpha1"
)

func TestParseCSVMarker(t *testing.T) {
	const p = csvMarkerPrefix
	tests := []struct {
		name    string
		line    string
		want    csvMarker
		notCSV  bool
		wantErr string // substring of the error; empty means success
	}{
		{name: "other marker", line: "+kubebuilder:validation:Minimum=0", notCSV: true},
		{name: "plain comment", line: " Size is the number of servers.", notCSV: true},
		{
			name: "spec field with x-descriptors",
			line: ` ` + p + `type=spec,displayName="Size",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:podCount"}`,
			want: csvMarker{Type: "spec", DisplayName: "Size", XDescriptors: []string{"urn:alm:descriptor:com.tectonic.ui:podCount"}},
		},
		{
			name: "bare words and several x-descriptors",
			line: p + `type=status,displayName=Conditions,xDescriptors={"a","b:c"}`,
			want: csvMarker{Type: "status", DisplayName: "Conditions", XDescriptors: []string{"a", "b:c"}},
		},
		{
			name: "display name with comma and braces inside quotes",
			line: p + `type=spec,displayName="Size, {in servers}"`,
			want: csvMarker{Type: "spec", DisplayName: "Size, {in servers}"},
		},
		{
			name: "kind with resources, name empty or left out",
			line: p + `displayName="NATS Cluster",resources={{StatefulSet,v1,""},{Service,v1,"client"},{ConfigMap,v1}}`,
			want: csvMarker{DisplayName: "NATS Cluster", Resources: []v1alpha1.APIResourceReference{
				{Kind: "StatefulSet", Version: "v1"}, {Kind: "Service", Version: "v1", Name: "client"}, {Kind: "ConfigMap", Version: "v1"},
			}},
		},
		{name: "unknown argument", line: p + `type=spec,order=1`, wantErr: "order: unknown argument"},
		{name: "bad type", line: p + `type=metadata`, wantErr: `want spec or status, got "metadata"`},
		{name: "not key=value", line: p + `spec`, wantErr: `argument "spec" is not key=value`},
		{name: "unterminated quote", line: p + `displayName="Size`, wantErr: "unterminated quote or brace"},
		{name: "unbalanced brace", line: p + `xDescriptors={"a"}}`, wantErr: "unbalanced }"},
		{name: "x-descriptors not a list", line: p + `xDescriptors="a"`, wantErr: `want {…}, got "a"`},
		{name: "resource without version", line: p + `resources={{StatefulSet}}`, wantErr: "want {Kind,version[,name]}"},
		{name: "resource with empty kind", line: p + `resources={{"",v1}}`, wantErr: "kind and version are required"},
		{name: "empty list element", line: p + `xDescriptors={"a",,"b"}`, wantErr: "empty element"},
		{name: "list where a string is due", line: p + `displayName={a}`, wantErr: "want a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := parseCSVMarker(tt.line)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ok == tt.notCSV {
				t.Fatalf("recognized as CSV marker = %v, want %v", ok, !tt.notCSV)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("marker = %+v, want %+v", got, tt.want)
			}
		})
	}
}
