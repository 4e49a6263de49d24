//! The CBOR layer: both SDKs' request encodings in, strict answers out.

use super::*;

fn timestamp_of(bytes: &[u8]) -> Result<Option<f64>, ServiceError> {
    // {"T": <bytes>}
    let body = [&[0xa1, 0x61, b'T'][..], bytes].concat();
    let value = decode(&body)?;
    Structure::of(&value, "input")?.timestamp("T")
}

#[test]
fn an_indefinite_map_with_chunked_text_decodes_like_a_definite_one() {
    // {_ "a": (_ "x", "y"), "b": "z"} and {"a": "xy", "b": "z"}
    let indefinite = [0xbf, 0x61, b'a', 0x7f, 0x61, b'x', 0x61, b'y', 0xff, 0x61, b'b', 0x61, b'z', 0xff];
    let definite = [0xa2, 0x61, b'a', 0x62, b'x', b'y', 0x61, b'b', 0x61, b'z'];
    assert_eq!(decode(&indefinite).expect("indefinite"), decode(&definite).expect("definite"));
    let value = decode(&indefinite).expect("indefinite");
    assert_eq!(Structure::of(&value, "input").expect("map").text("a").expect("text"), Some("xy"));
}

#[test]
fn bytes_after_the_item_are_refused() {
    assert!(matches!(decode(&[0xa0, 0xa0]), Err(ServiceError::InvalidInput(_))));
    assert!(decode(&[0xa0]).is_ok());
}

#[test]
fn a_timestamp_is_read_from_an_integer_or_a_float_of_any_width() {
    assert_eq!(timestamp_of(&[0xc1, 0x1a, 0x69, 0x57, 0x35, 0xa5]).expect("uint"), Some(1_767_323_045.0));
    assert_eq!(timestamp_of(&[0xc1, 0xf9, 0x3c, 0x00]).expect("half"), Some(1.0));
    assert_eq!(timestamp_of(&[0xc1, 0xfa, 0x3f, 0xc0, 0x00, 0x00]).expect("single"), Some(1.5));
    let double = [&[0xc1, 0xfb][..], &1_767_323_045.25f64.to_be_bytes()].concat();
    assert_eq!(timestamp_of(&double).expect("double"), Some(1_767_323_045.25));
}

#[test]
fn a_timestamp_without_tag_1_or_not_a_number_is_refused() {
    for bad in
        [&[0x1a, 0x69, 0x57, 0x35, 0xa5][..], &[0xc0, 0x61, b'x'], &[0xc1, 0x61, b'x'], &[0xc1, 0xf9, 0x7c, 0x00]]
    {
        assert!(matches!(timestamp_of(bad), Err(ServiceError::InvalidInput(_))), "{bad:02x?}");
    }
}

#[test]
fn null_and_undefined_members_count_as_absent() {
    // {"a": null, "b": undefined}
    let value = decode(&[0xa2, 0x61, b'a', 0xf6, 0x61, b'b', 0xf7]).expect("map");
    let structure = Structure::of(&value, "input").expect("map");
    assert_eq!((structure.text("a").expect("a"), structure.text("b").expect("b")), (None, None));
}

#[test]
fn a_nesting_deeper_than_the_limit_is_invalid_input_not_a_stack_overflow() {
    assert!(matches!(decode(&vec![0x81; 100_000]), Err(ServiceError::InvalidInput(_))));
}

#[test]
fn answers_write_timestamps_as_tag_1_and_an_8_byte_double() {
    // 1767225600.0 fits a single-precision float exactly: the shortest encoding would not be a double.
    let bytes = encode(&timestamp(1_767_225_600.0)).expect("encode");
    assert_eq!(bytes, [&[0xc1, 0xfb][..], &1_767_225_600.0f64.to_be_bytes()].concat());
}

#[test]
fn answers_write_maps_arrays_and_strings_with_their_lengths() {
    let answer = structure(vec![
        ("Entries", Value::Array(vec![Value::Text("e".into())])),
        ("FailedEntryCount", Value::Integer(0.into())),
        ("Delta", Value::Integer((-2).into())),
    ]);
    let bytes = encode(&answer).expect("encode");
    let mut expected = vec![0xa3, 0x67];
    expected.extend(b"Entries");
    expected.extend([0x81, 0x61, b'e', 0x70]);
    expected.extend(b"FailedEntryCount");
    expected.extend([0x00, 0x65]);
    expected.extend(b"Delta");
    expected.push(0x21);
    assert_eq!(bytes, expected);
    assert_eq!(decode(&bytes).expect("round trip"), answer);
}

#[test]
fn an_error_body_holds_the_absolute_shape_id_and_the_message() {
    let body = error_body(&ServiceError::ResourceNotFound("no bus".into())).expect("encode");
    let value = decode(&body).expect("decode");
    let members = Structure::of(&value, "error").expect("map");
    let type_id = members.text("__type").expect("text");
    assert_eq!(type_id, Some("com.amazonaws.eventbridgev2#ResourceNotFoundException"));
    assert_eq!(members.text("Message").expect("text"), Some("no bus"));
}
