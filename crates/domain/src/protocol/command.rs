//! The outbound `command` message the server publishes to start a test.

use serde_json::Value;

/// The protocol version the server speaks.
pub const PROTOCOL_VERSION: f64 = 1.1;

/// Builds the `command` message the server publishes to start a test: every key of v1.1 in
/// the schema's order, `dataObj` included (empty), because stands written for the old stack
/// read `msg["dataObj"]` without checking that it is there.
pub fn command_message(sent_by: &str, commands: &Value, parameters: &Value) -> Value {
    // serde_json's `preserve_order` feature (workspace) keeps the keys in insertion order.
    let mut message = serde_json::Map::new();
    message.insert("protocolVersion".into(), Value::from(PROTOCOL_VERSION));
    message.insert("sentBy".into(), Value::from(sent_by));
    message.insert("msgType".into(), Value::from("command"));
    message.insert("commandList".into(), commands.clone());
    message.insert("statusCode".into(), Value::from("200"));
    message.insert("parameterObj".into(), parameters.clone());
    message.insert("dataObj".into(), Value::Object(serde_json::Map::new()));
    Value::Object(message)
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
