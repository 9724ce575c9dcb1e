package vectors

// The bodies of the Veriff document's signature examples, copied byte for byte
// from veriff-api-v1-docs.txt (line numbers refer to that file as the project
// received it). They live here as data, not as expected results: every
// signature in the vector files is recomputed from these bytes.

// docWebhookCurlBody is the --data of the decision-webhook curl (line 2292),
// signed with the secret the document gives on line 2286.
const docWebhookCurlBody = `{"status":"success","verification":{"id":"a4c0a230-859a-4861-b99b-ac39e4a05bfd","status":"resubmission_requested","code":9103,"reason":"Photos are not from the same document.","acceptanceTime":"2017-09-26T12:27:55.000Z","decisionTime":"2017-09-26T12:34:21.000Z","person":{"firstName":"Morton","lastName":"Stracke","idNumber":"48002020011"},"document":{"number":"AA0052283","type":"ID_CARD","validFrom": "2017-02-27", "validUntil": "2022-02-27"},"comments":[{"type": "General Comment", "comment": "Person refuses to take off hat.", "timestamp": "2017-10-10T13:18:44.009Z"}],"technicalData":{"ip":"124.153.46.66"}}}`

// docLocalhostCurlBody is the --data of "Step 2 - Post some data to webhook
// listener for validation" (line 2039), signed with "Your-API-Secret".
const docLocalhostCurlBody = `{"status":"success","verification":{"id":"aea9ba6d-1b47-47fc-a4fc-f72b6d3584a7","code":9001,"person":{"gender":null,"idNumber":"123456789","lastName":"Toomas","firstName":"Tundmatu","citizenship":null,"dateOfBirth":null,"nationality":null,"yearOfBirth":null,"pepSanctionMatch":null},"reason":null,"status":"approved","comments":[],"document":{"type":"ID_CARD","number":"ee12334","country":"EE","validFrom":null,"validUntil":null},"highRisk":null,"reasonCode":null,"vendorData":"11111111","decisionTime":"2019-10-30T07:32:44.540Z","acceptanceTime":"2019-10-29T12:41:01.000Z","additionalVerifiedData":{}},"technicalData":{"ip":"95.153.29.169"}}`

// docResponseValidationBody is the response body of "Manual Validation"
// (line 2050, without the "Your-API-Secret" the document appends to it).
const docResponseValidationBody = `{"status":"success","verification":{"id":"d04fd8e7-80cd-4fb8-b235-cec89c5c6790","url":"https://magic.veriff.me/v/eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzZXNzaW9uX2lkIjoiZDA0ZmQ4ZTctODBjZC00ZmI4LWIyMzUtY2VjODljNWM2NzkwIiwiaWF0IjoxNTcyMjUyODgyfQ.wBEsEAeAzBQamc6acujZoJ4VQxuCsYfwdH8Xe-JI4Qw","vendorData":"11111111","host":"https://front.veriff.me","status":"created","sessionToken":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzZXNzaW9uX2lkIjoiZDA0ZmQ4ZTctODBjZC00ZmI4LWIyMzUtY2VjODljNWM2NzkwIiwiaWF0IjoxNTcyMjUyODgyfQ.wBEsEAeAzBQamc6acujZoJ4VQxuCsYfwdH8Xe-JI4Qw"}}`

// docManualGenerationPrinted is the "Manual Generation" payload exactly as
// printed (lines 1917-1938): flush-left and without a "features" member. The
// document's hash dc813ed3... is NOT the signature of these bytes.
const docManualGenerationPrinted = `{
"verification": {
"callback": "https://veriff.me",
"person": {
"firstName": "Tundmatu",
"lastName": "Toomas",
"idNumber": "1234567890"
},
"document": {
"number": "B01234567",
"type": "PASSPORT",
"country": "EE"
},
"additionalData": {
"citizenship": "EE",
"placeOfResidence": "Tallinn"
},
"vendorData": "11111111",
"lang": "en",
"timestamp": "2016-05-19T08:30:25.597Z"
}
}`

// docManualGenerationSigned is the body dc813ed3... actually signs: the same
// payload with the "features": ["selfid"] member of the Python sample (line
// 881) restored between "lang" and "timestamp", indented with four spaces
// (Python's json.dumps(payload, indent=4)), no trailing newline. Found by
// trying the obvious variants; see golden/README.md.
const docManualGenerationSigned = `{
    "verification": {
        "callback": "https://veriff.me",
        "person": {
            "firstName": "Tundmatu",
            "lastName": "Toomas",
            "idNumber": "1234567890"
        },
        "document": {
            "number": "B01234567",
            "type": "PASSPORT",
            "country": "EE"
        },
        "additionalData": {
            "citizenship": "EE",
            "placeOfResidence": "Tallinn"
        },
        "vendorData": "11111111",
        "lang": "en",
        "features": [
            "selfid"
        ],
        "timestamp": "2016-05-19T08:30:25.597Z"
    }
}`
