//! The domain's refusals that the admin pages show, as messages in the reader's language (the
//! domain's own `Display` stays English; the API answers the English of the message, which is
//! the same text).

use domain::camera::CameraUrlError;
use domain::stand_id::StandIdError;

use crate::i18n::Msg;
use crate::msg;

/// A stand id that is not valid.
pub fn stand_id(e: &StandIdError) -> Msg {
    match e {
        StandIdError::Empty => msg!("admin-stand-id-empty"),
        StandIdError::TooLong(n) => msg!("admin-stand-id-too-long", n = *n),
        StandIdError::BadCharacter(id) => msg!("admin-stand-id-bad-character", id = id),
    }
}

/// A camera URL that is not valid: the known reasons translated, the URL parser's own
/// reason (English, technical) passed as it is.
pub fn camera_url(e: &CameraUrlError) -> Msg {
    let reason = match e.reason.as_str() {
        "only http:// and https:// cameras are supported" => msg!("admin-camera-url-scheme"),
        "the URL has no host" => msg!("admin-camera-url-no-host"),
        other => msg!("admin-camera-url-parser", reason = other),
    };
    msg!("admin-camera-url-bad", url = &e.url, reason = reason)
}
