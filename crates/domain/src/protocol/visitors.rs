//! Hand-written serde visitors for the one-pass parse: the envelope with `dataObj` kept as
//! text, and `dataObj`'s series decoded straight to `f64` arrays.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::types::{MAX_DATA_DEPTH, Series};

/// The top-level object: every field but `dataObj` as a JSON value, `dataObj` as its text.
pub(super) struct Envelope<'a> {
    pub(super) fields: serde_json::Map<String, Value>,
    pub(super) data: Option<&'a RawValue>,
}

impl<'de> serde::Deserialize<'de> for Envelope<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Envelope<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Envelope<'de>, A::Error> {
                let mut fields = serde_json::Map::new();
                let mut data = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "dataObj" {
                        if data.is_some() {
                            // The full path names this error exactly.
                            return Err(serde::de::Error::custom("duplicate field `dataObj`"));
                        }
                        data = Some(map.next_value::<&'de RawValue>()?);
                    } else {
                        fields.insert(key.into_owned(), map.next_value::<Value>()?);
                    }
                }
                Ok(Envelope { fields, data })
            }
        }
        d.deserialize_map(V)
    }
}

/// `dataObj`'s series, in order, numeric ones decoded straight to `f64` (a repeated name keeps
/// its first place and its last value, as a JSON value would).
///
/// Fails (and the caller takes the full path, which names the reason) past `max_series`
/// distinct names or past [`MAX_DATA_DEPTH`] levels of nesting, as soon as either is seen.
pub(super) fn parse_series(
    text: &str,
    max_series: usize,
) -> Result<Vec<Series>, serde_json::Error> {
    struct Entries {
        max_series: usize,
    }
    impl<'de> DeserializeSeed<'de> for Entries {
        type Value = Vec<Series>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Vec<Series>, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Entries {
        type Value = Vec<Series>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Series>, A::Error> {
            let mut out: Vec<Series> = Vec::new();
            // Where each name is in `out`: a repeated name is found without a search (a linear
            // one made a message of 160,000 series take a minute).
            // Its keys borrow from the text when they can (one allocation less per series).
            let mut index: HashMap<Cow<'de, str>, usize> = HashMap::new();
            while let Some(Name(name)) = map.next_key()? {
                let SeriesValue { values, len } = map.next_value()?;
                match index.get(&name) {
                    Some(&i) => {
                        out[i].values = values;
                        out[i].len = len;
                    }
                    None => {
                        if out.len() == self.max_series {
                            return Err(serde::de::Error::custom("too many series"));
                        }
                        out.push(Series {
                            name: name.to_string(),
                            values,
                            len,
                        });
                        index.insert(name, out.len() - 1);
                    }
                }
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let series = Entries { max_series }.deserialize(&mut de)?;
    de.end()?;
    Ok(series)
}

/// A series name, borrowed from the text unless it has escapes (serde's `borrow` on a `Cow`).
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct Name<'a>(#[serde(borrow)] Cow<'a, str>);

/// Skips a value that is `level` levels deep in `dataObj` (`dataObj` itself is level 1),
/// failing when it nests past [`MAX_DATA_DEPTH`]. (`IgnoredAny` would skip any depth.)
struct Skip {
    level: usize,
}

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.nested()?;
        while seq.next_element_seed(Skip { level: inner })?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.nested()?;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Skip { level: inner })?;
        }
        Ok(())
    }
}

impl Skip {
    /// This array or object is allowed; the level of its elements.
    fn nested<E: serde::de::Error>(&self) -> Result<usize, E> {
        if self.level > MAX_DATA_DEPTH {
            Err(E::custom("dataObj nests too deep"))
        } else {
            Ok(self.level + 1)
        }
    }
}

/// One `dataObj` value: numbers only (decoded) or anything else (only counted).
struct SeriesValue {
    values: Option<Vec<f64>>,
    len: usize,
}

impl<'de> serde::Deserialize<'de> for SeriesValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// One array element: a number, or something else (skipped).
        struct Item(Option<f64>);
        impl<'de> serde::Deserialize<'de> for Item {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct IV;
                impl<'de> Visitor<'de> for IV {
                    type Value = Item;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("a JSON value")
                    }
                    fn visit_f64<E>(self, v: f64) -> Result<Item, E> {
                        Ok(Item(Some(v)))
                    }
                    fn visit_i64<E>(self, v: i64) -> Result<Item, E> {
                        Ok(Item(Some(v as f64)))
                    }
                    fn visit_u64<E>(self, v: u64) -> Result<Item, E> {
                        Ok(Item(Some(v as f64)))
                    }
                    fn visit_bool<E>(self, _: bool) -> Result<Item, E> {
                        Ok(Item(None))
                    }
                    fn visit_str<E>(self, _: &str) -> Result<Item, E> {
                        Ok(Item(None))
                    }
                    fn visit_unit<E>(self) -> Result<Item, E> {
                        Ok(Item(None))
                    }
                    // An element is level 3 of `dataObj`.
                    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Item, A::Error> {
                        Skip { level: 3 }.visit_seq(seq).map(|()| Item(None))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Item, A::Error> {
                        Skip { level: 3 }.visit_map(map).map(|()| Item(None))
                    }
                }
                d.deserialize_any(IV)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SeriesValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SeriesValue, A::Error> {
                let mut values = Some(Vec::with_capacity(seq.size_hint().unwrap_or(0)));
                let mut len = 0;
                while let Some(Item(v)) = seq.next_element()? {
                    len += 1;
                    match (v, &mut values) {
                        (Some(x), Some(vs)) => vs.push(x),
                        _ => values = None,
                    }
                }
                Ok(SeriesValue { values, len })
            }
            // A series is level 2 of `dataObj`.
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SeriesValue, A::Error> {
                Skip { level: 2 }.visit_map(map)?;
                Ok(SeriesValue::single())
            }
            fn visit_f64<E>(self, _: f64) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
            fn visit_i64<E>(self, _: i64) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
            fn visit_u64<E>(self, _: u64) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
            fn visit_bool<E>(self, _: bool) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
            fn visit_str<E>(self, _: &str) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
            fn visit_unit<E>(self) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
        }
        d.deserialize_any(V)
    }
}

impl SeriesValue {
    fn single() -> Self {
        Self {
            values: None,
            len: 1,
        }
    }
}
