//! Writing to the `GameEvents` table the way the classic demo does: put, update the score, update another
//! attribute, delete.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use score_fanout::sdk_error_detail;

/// Why a write failed.
#[derive(Debug, thiserror::Error)]
#[error("writing to table {table}: {detail}")]
pub struct WriteError {
    table: String,
    detail: String,
}

/// The game's score table.
pub struct GameTable {
    client: Client,
    name: String,
}

impl GameTable {
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self { client, name: name.into() }
    }

    fn fail(&self, detail: String) -> WriteError {
        WriteError { table: self.name.clone(), detail }
    }

    /// Puts a whole row; `score` may be any attribute value, so that tests can write poison.
    pub async fn put(&self, player_id: &str, date: &str, score: AttributeValue) -> Result<(), WriteError> {
        let request = self.client.put_item().table_name(&self.name);
        let request = request.item("playerId", s(player_id)).item("date", s(date)).item("score", score);
        request.send().await.map(|_| ()).map_err(|e| self.fail(sdk_error_detail(&e)))
    }

    /// Sets one attribute of an existing row.
    pub async fn set(
        &self,
        player_id: &str,
        date: &str,
        attribute: &str,
        value: AttributeValue,
    ) -> Result<(), WriteError> {
        self.client
            .update_item()
            .table_name(&self.name)
            .key("playerId", s(player_id))
            .key("date", s(date))
            .update_expression("SET #attribute = :value")
            .expression_attribute_names("#attribute", attribute)
            .expression_attribute_values(":value", value)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.fail(sdk_error_detail(&e)))
    }

    /// Deletes a row.
    pub async fn delete(&self, player_id: &str, date: &str) -> Result<(), WriteError> {
        let request =
            self.client.delete_item().table_name(&self.name).key("playerId", s(player_id)).key("date", s(date));
        request.send().await.map(|_| ()).map_err(|e| self.fail(sdk_error_detail(&e)))
    }
}

/// A string attribute.
pub fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

/// A number attribute.
pub fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}
