//! Server functions, one file per resource. Each is a thin path: context → `service` → `types`.

pub mod dashboard;
pub mod executions;
pub mod optimize;
pub mod tasks;
pub mod workflow;

use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::Serialize;
use serde::de::{DeserializeOwned, Error as _};

/// JSON like server_fn's own `JsonEncoding`, but decoded from text (`serde_json::from_str`)
/// instead of bytes (`from_slice`). The resources' hydration data is decoded from text too, and
/// every `Deserialize` impl is compiled once per reader type: with one reader the browser bundle
/// carries one copy of each response type's deserializer instead of two.
pub struct JsonText;

/// Responses of every server function (`output = Json`), and [`crate::AppError`]'s encoding.
pub type Json = Post<JsonText>;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde_json::Error::custom)?;
        serde_json::from_str(text)
    }
}
