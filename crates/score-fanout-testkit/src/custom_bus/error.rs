//! The errors the stand-in answers a whole request with: the six of the `eventbridgev2` model (with their
//! `httpError` statuses) and the two a smithy-rpc-v2-cbor router answers before any operation runs.

/// One error answer: its code, HTTP status and `Message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// 403, also for a request not signed as `events` in the stand-in's region (AWS refuses those before the
    /// operation; the SDKs treat both alike: an outage of configuration, not a retry).
    #[error("{0}")]
    AccessDenied(String),
    /// 404: the bus ARN is well formed, but no such bus exists here.
    #[error("{0}")]
    ResourceNotFound(String),
    /// 429, `retryable.throttling` in the model.
    #[error("Rate exceeded.")]
    Throttling,
    /// 400: a member missing, of the wrong type or off its model constraints, or a body that is not CBOR.
    #[error("{0}")]
    InvalidInput(String),
    /// 500, a `fault`: retryable.
    #[error("{0}")]
    Internal(String),
    /// 409: the bus cannot take events in its state (`CREATING`, a failed create, deleting).
    #[error("{0}")]
    InvalidState(String),
    /// 404 from the protocol's router: no such operation, no `Smithy-Protocol: rpc-v2-cbor`, or an `X-Amz-Target`
    /// (which the protocol says a server MUST reject). Answered as smithy-rs servers answer it.
    #[error("{0}")]
    UnknownOperation(String),
    /// 405: the protocol is POST only.
    #[error("{0}")]
    MethodNotAllowed(String),
}

/// The model's namespace: both SDKs strip it, but the protocol says `__type` holds the absolute shape id.
const NAMESPACE: &str = "com.amazonaws.eventbridgev2#";

impl ServiceError {
    /// The error's shape name, as a client reports it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AccessDenied(_) => "AccessDeniedException",
            Self::ResourceNotFound(_) => "ResourceNotFoundException",
            Self::Throttling => "ThrottlingException",
            Self::InvalidInput(_) => "InvalidInputException",
            Self::Internal(_) => "InternalException",
            Self::InvalidState(_) => "InvalidStateException",
            Self::UnknownOperation(_) => "UnknownOperationException",
            Self::MethodNotAllowed(_) => "MethodNotAllowedException",
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        match self {
            Self::AccessDenied(_) => 403,
            Self::ResourceNotFound(_) | Self::UnknownOperation(_) => 404,
            Self::Throttling => 429,
            Self::InvalidInput(_) => 400,
            Self::Internal(_) => 500,
            Self::InvalidState(_) => 409,
            Self::MethodNotAllowed(_) => 405,
        }
    }

    /// The `__type` of the answer: the absolute shape id for the model's errors, the bare name for the router's.
    pub fn type_id(&self) -> String {
        match self {
            Self::UnknownOperation(_) | Self::MethodNotAllowed(_) => self.code().to_owned(),
            _ => format!("{NAMESPACE}{}", self.code()),
        }
    }
}
