package objcheck

import (
	"strconv"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Field checks shared by several kinds, worded as in k8s.io/kubernetes
// pkg/apis/core/validation and pkg/apis/apps/validation.

func dns1123Label(value string, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(value) {
		errs = append(errs, field.Invalid(fld, value, msg))
	}
	return errs
}

func qualifiedName(value string, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(value) {
		errs = append(errs, field.Invalid(fld, value, msg))
	}
	return errs
}

func portNum(port int, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortNum(port) {
		errs = append(errs, field.Invalid(fld, port, msg))
	}
	return errs
}

func portName(name string, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortName(name) {
		errs = append(errs, field.Invalid(fld, name, msg))
	}
	return errs
}

// portNumOrName is ValidatePortNumOrName.
func portNumOrName(port intstr.IntOrString, fld *field.Path) field.ErrorList {
	if port.Type == intstr.String {
		return portName(port.StrVal, fld)
	}
	return portNum(port.IntValue(), fld)
}

// positiveIntOrPercent is apps ValidatePositiveIntOrPercent followed by
// IsNotMoreThan100Percent.
func positiveIntOrPercent(v intstr.IntOrString, fld *field.Path) field.ErrorList {
	if v.Type == intstr.Int {
		return apimachineryvalidation.ValidateNonnegativeField(int64(v.IntValue()), fld)
	}
	if msgs := validation.IsValidPercent(v.StrVal); len(msgs) > 0 {
		var errs field.ErrorList
		for _, msg := range msgs {
			errs = append(errs, field.Invalid(fld, v, msg))
		}
		return errs
	}
	if percent, _ := strconv.Atoi(v.StrVal[:len(v.StrVal)-1]); percent > 100 {
		return field.ErrorList{field.Invalid(fld, v, "must not be greater than 100%")}
	}
	return nil
}
