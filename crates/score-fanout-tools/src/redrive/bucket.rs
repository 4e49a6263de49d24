//! The on-failure bucket as a redrive reads it: the objects Lambda wrote for one mapping (or every mapping, when the
//! mapping is not known), each one's body, and the redrive tag, written beside whatever other tags it has.

use super::outcome::RedriveError;
use super::tag::{Redriven, REDRIVEN_TAG};
use crate::on_failure::KEY_PREFIX;
use aws_sdk_s3::types::{Tag, Tagging};
use score_fanout::sdk_error_detail;

/// The on-failure bucket (the template's `StreamFailureBucket`), and whose objects in it to redrive.
pub struct Bucket<'a> {
    pub s3: &'a aws_sdk_s3::Client,
    pub name: &'a str,
    /// The event source mapping's UUID, when known: only its objects (`aws/lambda/<uuid>/...`) are listed.
    pub mapping_uuid: Option<&'a str>,
    /// The function's stream, when known: an object of another stream is left alone.
    pub stream_arn: Option<&'a str>,
}

/// An object's tags: the redrive tag read, the others kept as they are.
pub(super) struct Tags {
    pub(super) redriven: Option<Redriven>,
    others: Vec<Tag>,
}

impl Bucket<'_> {
    fn fail(&self, operation: &'static str, key: &str, detail: String) -> RedriveError {
        let resource = if key.is_empty() { format!("s3://{}", self.name) } else { format!("s3://{}/{key}", self.name) };
        RedriveError { operation, resource, detail }
    }

    /// Every object key the mapping wrote, in key order.
    pub(super) async fn keys(&self) -> Result<Vec<String>, RedriveError> {
        let prefix = match self.mapping_uuid {
            Some(uuid) => format!("{KEY_PREFIX}{uuid}/"),
            None => KEY_PREFIX.to_owned(),
        };
        let mut keys = Vec::new();
        let mut pages = self.s3.list_objects_v2().bucket(self.name).prefix(prefix).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.fail("ListObjectsV2", "", sdk_error_detail(&e)))?;
            keys.extend(page.contents.unwrap_or_default().into_iter().filter_map(|object| object.key));
        }
        Ok(keys)
    }

    pub(super) async fn read(&self, key: &str) -> Result<Vec<u8>, RedriveError> {
        let object = self.s3.get_object().bucket(self.name).key(key).send().await;
        let object = object.map_err(|e| self.fail("GetObject", key, sdk_error_detail(&e)))?;
        let body = object.body.collect().await.map_err(|e| self.fail("GetObject", key, e.to_string()))?;
        Ok(body.into_bytes().to_vec())
    }

    pub(super) async fn tags(&self, key: &str) -> Result<Tags, RedriveError> {
        let tags = self.s3.get_object_tagging().bucket(self.name).key(key).send().await;
        let tags = tags.map_err(|e| self.fail("GetObjectTagging", key, sdk_error_detail(&e)))?;
        let (ours, others): (Vec<Tag>, Vec<Tag>) = tags.tag_set.into_iter().partition(|tag| tag.key == REDRIVEN_TAG);
        Ok(Tags { redriven: ours.first().map(|tag| Redriven::parse(&tag.value)), others })
    }

    /// Sets the redrive tag of `key` to `value`, keeping its other tags.
    pub(super) async fn tag(&self, key: &str, tags: &Tags, value: String) -> Result<(), RedriveError> {
        let invalid = |e: aws_sdk_s3::error::BuildError| self.fail("PutObjectTagging", key, e.to_string());
        let ours = Tag::builder().key(REDRIVEN_TAG).value(value).build().map_err(invalid)?;
        let set = tags.others.iter().cloned().chain([ours]).collect();
        let tagging = Tagging::builder().set_tag_set(Some(set)).build().map_err(invalid)?;
        let request = self.s3.put_object_tagging().bucket(self.name).key(key).tagging(tagging);
        request.send().await.map_err(|e| self.fail("PutObjectTagging", key, sdk_error_detail(&e)))?;
        Ok(())
    }
}
