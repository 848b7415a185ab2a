//! The outbound `command` message the server publishes to start a test.

use serde_json::Value;

/// The protocol version the server speaks.
pub const PROTOCOL_VERSION: f64 = 1.1;

/// The seven keys of a v1.1 message in the schema's order, which the old stack wrote and its
/// parser (`unpack(**obj)`) requires all of.
pub const KEY_ORDER: [&str; 7] = [
    "protocolVersion",
    "sentBy",
    "msgType",
    "commandList",
    "statusCode",
    "parameterObj",
    "dataObj",
];

/// A message with every key of v1.1 in [`KEY_ORDER`].
pub fn message(
    sent_by: &str,
    msg_type: &str,
    commands: &Value,
    status_code: &str,
    parameters: &Value,
    data: &Value,
) -> Value {
    // serde_json's `preserve_order` feature (workspace) keeps the keys in insertion order.
    let values = [
        Value::from(PROTOCOL_VERSION),
        Value::from(sent_by),
        Value::from(msg_type),
        commands.clone(),
        Value::from(status_code),
        parameters.clone(),
        data.clone(),
    ];
    Value::Object(
        KEY_ORDER
            .iter()
            .map(|k| (*k).to_owned())
            .zip(values)
            .collect(),
    )
}

/// Builds the `command` message the server publishes to start a test: every key of v1.1 in
/// the schema's order, `dataObj` included (empty), because stands written for the old stack
/// read `msg["dataObj"]` without checking that it is there.
pub fn command_message(sent_by: &str, commands: &Value, parameters: &Value) -> Value {
    let empty = Value::Object(serde_json::Map::new());
    message(sent_by, "command", commands, "200", parameters, &empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::validation::ProtocolValidator;
    use serde_json::json;

    #[test]
    fn command_messages_follow_the_schema() {
        let cmd = command_message("alice", &json!(["start"]), &json!({"fs": 10}));
        let validator = ProtocolValidator::bundled().expect("bundled schema compiles");
        validator.check(&cmd).expect("schema-valid");
        assert_eq!(cmd["msgType"], "command");
        let text = serde_json::to_string(&cmd).expect("serialises");
        assert_eq!(
            text,
            r#"{"protocolVersion":1.1,"sentBy":"alice","msgType":"command","commandList":["start"],"statusCode":"200","parameterObj":{"fs":10},"dataObj":{}}"#
        );
    }
}
