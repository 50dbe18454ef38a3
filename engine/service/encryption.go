package service

import "unicode/utf8"

// encryptionConfiguration is how a state machine's or an activity's data
// is encrypted. Stepwise keeps data in its local store: it offers AWS's
// default, AWS_OWNED_KEY, and refuses a customer managed KMS key rather
// than ignore it.
type encryptionConfiguration struct {
	Type                         string `json:"type"`
	KmsKeyID                     string `json:"kmsKeyId,omitempty"`
	KmsDataKeyReusePeriodSeconds *int   `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
}

// awsOwnedKey is the encryption AWS reports for a resource created without
// an encryptionConfiguration.
var awsOwnedKey = encryptionConfiguration{Type: "AWS_OWNED_KEY"}

// check accepts no configuration or AWS_OWNED_KEY.
func (e *encryptionConfiguration) check(kind, name string) error {
	if e == nil {
		return nil
	}
	switch e.Type {
	case "AWS_OWNED_KEY":
		if e.KmsKeyID != "" {
			return apiErr(errValidation, "kmsKeyId can only be set when the encryption type is CUSTOMER_MANAGED_KMS_KEY")
		}
		return nil
	case "CUSTOMER_MANAGED_KMS_KEY":
		return apiErr(errValidation, "encryptionConfiguration of %s '%s': Stepwise does not support CUSTOMER_MANAGED_KMS_KEY (its data stays in the local store); use AWS_OWNED_KEY", kind, name)
	case "":
		return apiErr(errValidation, "1 validation error detected: Value null at 'encryptionConfiguration.type' failed to satisfy constraint: Member must not be null")
	default:
		return apiErr(errValidation, "1 validation error detected: Value '%s' at 'encryptionConfiguration.type' failed to satisfy constraint: Member must satisfy enum value set: [AWS_OWNED_KEY, CUSTOMER_MANAGED_KMS_KEY]", e.Type)
	}
}

// Tag limits, as AWS's: at most 50 tags on a resource, keys of 1 to 128
// characters and values of at most 256.
const maxTags = 50

// checkTags checks the tags of a request.
func checkTags(tags []tag) error {
	if len(tags) > maxTags {
		return apiErr(errTooManyTags, "Too many tags. Maximum number of tags allowed is %d.", maxTags)
	}
	for i, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 {
			return apiErr(errValidation, "1 validation error detected: Value '%s' at 'tags.%d.member.key' failed to satisfy constraint: Member must have length between 1 and 128", t.Key, i+1)
		}
		if utf8.RuneCountInString(t.Value) > 256 {
			return apiErr(errValidation, "1 validation error detected: Value '%s' at 'tags.%d.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", t.Value, i+1)
		}
	}
	return nil
}
