package objcheck

import (
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MaxConfigMapSize is the API server's limit on a ConfigMap's data and
// binaryData together (core.MaxSecretSize).
const MaxConfigMapSize = 1 << 20

// configMap is ValidateConfigMap.
func configMap(c *corev1.ConfigMap) field.ErrorList {
	errs := objectMeta(&c.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
	total := 0
	for key, value := range c.Data {
		for _, msg := range validation.IsConfigMapKey(key) {
			errs = append(errs, field.Invalid(field.NewPath("data").Key(key), key, msg))
		}
		if _, dup := c.BinaryData[key]; dup {
			errs = append(errs, field.Invalid(field.NewPath("data").Key(key), key, "duplicate of key present in binaryData"))
		}
		total += len(value)
	}
	for key, value := range c.BinaryData {
		for _, msg := range validation.IsConfigMapKey(key) {
			errs = append(errs, field.Invalid(field.NewPath("binaryData").Key(key), key, msg))
		}
		total += len(value)
	}
	if total > MaxConfigMapSize {
		errs = append(errs, field.TooLong(field.NewPath(""), "", MaxConfigMapSize))
	}
	return errs
}
