package listener

import (
	"bytes"
	"encoding/json"
)

// strictDecision decodes a Veriff decision into exactly the fields the
// document lists ("/webhooks /decision (POST)", "Properties explained", plus
// the fields its examples show) and refuses any other field, the way a Go
// integrator using json.Decoder.DisallowUnknownFields does. It backs the
// unknown-fields-rejected defect only.
func strictDecision(body []byte) error {
	type person struct {
		FirstName        *string `json:"firstName"`
		LastName         *string `json:"lastName"`
		IDNumber         *string `json:"idNumber"`
		Citizenship      *string `json:"citizenship"`
		DateOfBirth      *string `json:"dateOfBirth"`
		YearOfBirth      any     `json:"yearOfBirth"`
		Nationality      *string `json:"nationality"`
		Gender           *string `json:"gender"`
		PepSanctionMatch any     `json:"pepSanctionMatch"`
		PlaceOfBirth     *string `json:"placeOfBirth"`
	}
	type document struct {
		Number     *string `json:"number"`
		Type       *string `json:"type"`
		Country    *string `json:"country"`
		ValidFrom  *string `json:"validFrom"`
		ValidUntil *string `json:"validUntil"`
	}
	type comment struct {
		Type      string `json:"type"`
		Comment   string `json:"comment"`
		Timestamp string `json:"timestamp"`
	}
	type technical struct {
		IP *string `json:"ip"`
	}
	type verification struct {
		ID                     string         `json:"id"`
		Code                   int            `json:"code"`
		Status                 string         `json:"status"`
		Reason                 *string        `json:"reason"`
		ReasonCode             *int           `json:"reasonCode"`
		Person                 *person        `json:"person"`
		Document               *document      `json:"document"`
		Comments               []comment      `json:"comments"`
		VendorData             *string        `json:"vendorData"`
		DecisionTime           *string        `json:"decisionTime"`
		AcceptanceTime         *string        `json:"acceptanceTime"`
		AdditionalVerifiedData map[string]any `json:"additionalVerifiedData"`
		HighRisk               any            `json:"highRisk"`
		TechnicalData          *technical     `json:"technicalData"`
	}
	var d struct {
		Status        string        `json:"status"`
		Verification  *verification `json:"verification"`
		TechnicalData *technical    `json:"technicalData"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	return dec.Decode(&d)
}
