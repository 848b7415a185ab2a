//! Hand-written serde visitors for the one-pass parse: the envelope with `dataObj` kept as
//! text, and `dataObj`'s series decoded straight to `f64` arrays.

use serde_json::Value;
use serde_json::value::RawValue;

use super::types::Series;

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
pub(super) fn parse_series(text: &str) -> Result<Vec<Series>, serde_json::Error> {
    struct Entries(Vec<Series>);
    impl<'de> serde::Deserialize<'de> for Entries {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Entries;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Entries, A::Error> {
                    let mut out: Vec<Series> = Vec::new();
                    while let Some(name) = map.next_key::<String>()? {
                        let SeriesValue { values, len } = map.next_value()?;
                        match out.iter_mut().find(|s| s.name == name) {
                            Some(s) => {
                                s.values = values;
                                s.len = len;
                            }
                            None => out.push(Series { name, values, len }),
                        }
                    }
                    Ok(Entries(out))
                }
            }
            d.deserialize_map(V)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let Entries(series) = serde::Deserialize::deserialize(&mut de)?;
    de.end()?;
    Ok(series)
}

/// One `dataObj` value: numbers only (decoded) or anything else (only counted).
struct SeriesValue {
    values: Option<Vec<f64>>,
    len: usize,
}

impl<'de> serde::Deserialize<'de> for SeriesValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
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
                    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Item, A::Error> {
                        while seq.next_element::<IgnoredAny>()?.is_some() {}
                        Ok(Item(None))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
                        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                        Ok(Item(None))
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
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SeriesValue, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
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
