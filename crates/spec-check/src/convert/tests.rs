use super::*;

#[test]
fn nullable_adds_null_to_type_and_enum() {
    let s = json!({"type": "string", "enum": ["A"], "nullable": true, "description": "x"});
    assert_eq!(
        convert_schema(&s, Mode::Response),
        json!({"type": ["string", "null"], "enum": ["A", null]})
    );
}

#[test]
fn nullable_ref_is_wrapped() {
    let s = json!({"$ref": "#/components/schemas/X", "nullable": true});
    assert_eq!(
        convert_schema(&s, Mode::Response),
        json!({"anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}]})
    );
}

#[test]
fn types_drop_constraints_and_keep_docs_and_unnamed_fields() {
    let s = json!({
        "type": "object",
        "description": "A user",
        "x-okta-tags": ["User"],
        "example": {"login": "a@example.com"},
        "properties": {
            "login": {"type": "string", "format": "email", "maxLength": 100, "description": "the login"},
            "count": {"type": "integer", "format": "int32", "minimum": 0, "exclusiveMinimum": true}
        }
    });
    assert_eq!(
        to_json_schema(&s, Purpose::Types),
        json!({
            "type": "object",
            "description": "A user",
            "properties": {
                "login": {"type": "string", "description": "the login"},
                "count": {"type": "integer", "format": "int32"}
            },
            "additionalProperties": {"description": "Every other field, as the service sent it."}
        })
    );
}

#[test]
fn types_point_references_at_definitions() {
    let s = json!({"$ref": "#/components/schemas/User", "nullable": true});
    assert_eq!(
        to_json_schema(&s, Purpose::Types),
        json!({"anyOf": [{"$ref": "#/definitions/User"}, {"type": "null"}]})
    );
    let s = json!({"type": "string", "enum": ["A"], "nullable": true});
    assert_eq!(
        to_json_schema(&s, Purpose::Types),
        json!({"type": ["string", "null"], "enum": ["A", null]})
    );
}

#[test]
fn read_only_required_only_in_responses() {
    let s = json!({
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}
    });
    assert_eq!(
        convert_schema(&s, Mode::Request)["required"],
        json!(["name"])
    );
    assert_eq!(
        convert_schema(&s, Mode::Response)["required"],
        json!(["id", "name"])
    );
}

#[test]
fn boolean_exclusive_bounds_become_numeric() {
    let s = json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true});
    assert_eq!(
        convert_schema(&s, Mode::Request),
        json!({"type": "integer", "exclusiveMinimum": 0})
    );
}

#[test]
fn discriminator_dispatches() {
    let s = json!({
        "oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
        "discriminator": {"propertyName": "kind", "mapping": {"a": "#/components/schemas/A"}}
    });
    let c = convert_schema(&s, Mode::Request);
    assert!(c.get("oneOf").is_none());
    assert_eq!(
        c["allOf"][0]["then"],
        json!({"$ref": "#/components/schemas/A"})
    );
    // "a" (mapped) plus the implicit names of both branches.
    assert_eq!(c["allOf"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        c["allOf"][2]["properties"]["kind"]["enum"],
        json!(["a", "A", "B"])
    );
    assert_eq!(c["allOf"][2]["required"], json!(["kind"]));
}

#[test]
fn inherited_discriminator_dispatches_without_looping() {
    let original = json!({
        "Base": {
            "type": "object",
            "properties": {"kind": {"type": "string"}},
            "discriminator": {"propertyName": "kind", "mapping": {"sub": "#/components/schemas/Sub"}}
        },
        "Sub": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"required": ["extra"]}]},
        "Holder": {"properties": {"thing": {"$ref": "#/components/schemas/Base"}}}
    });
    let original = original.as_object().unwrap();
    let mut converted: Map<String, Value> = original
        .iter()
        .map(|(k, v)| (k.clone(), convert_schema(v, Mode::Request)))
        .collect();
    let rewrites = add_polymorphism(original, &mut converted);
    assert_eq!(rewrites.len(), 1);
    assert_eq!(
        converted["Holder"]["properties"]["thing"]["$ref"],
        "#/components/schemas/Base__dispatch"
    );
    assert_eq!(
        converted["Sub"]["allOf"][0]["$ref"],
        "#/components/schemas/Base"
    );
    assert_eq!(
        converted["Base__dispatch"]["allOf"][1]["then"]["$ref"],
        "#/components/schemas/Sub"
    );
}
