//! The stand-in's own configuration: its region and account, its buses (name, minted id, state, retention), the
//! accounts behind publishers' access keys, and its FIFO subscribers.

use super::request::valid_bus_name;

/// A bus's `State`, as DescribeEventBus answers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusState {
    Active,
    Creating,
    CreateFailed,
    Updating,
    UpdateFailed,
    Deleting,
    DeleteFailed,
}

impl BusState {
    /// The model's enum value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Creating => "CREATING",
            Self::CreateFailed => "CREATE_FAILED",
            Self::Updating => "UPDATING",
            Self::UpdateFailed => "UPDATE_FAILED",
            Self::Deleting => "DELETING",
            Self::DeleteFailed => "DELETE_FAILED",
        }
    }

    /// Whether PutEvents is served. The guide: `CREATING` "cannot publish", `UPDATING` publishes "as normal", the
    /// failed create and delete states accept nothing but a delete; an update that failed leaves the bus as it was.
    pub fn accepts_events(self) -> bool {
        matches!(self, Self::Active | Self::Updating | Self::UpdateFailed)
    }
}

/// One bus of the stand-in.
#[derive(Clone, Debug)]
pub struct BusSpec {
    pub name: String,
    /// The ARN's last part: 25 of `[a-z0-9]`, minted from the seed unless given.
    pub id: Option<String>,
    pub state: BusState,
    /// `StorageConfiguration.RetentionPeriodInDays` (1 by default, as the guide says).
    pub retention_days: u16,
}

/// A FIFO subscriber: every event of `bus` goes to the SQS FIFO queue `queue_url` through `sqs`.
#[derive(Clone, Debug)]
pub struct FifoSubscriber {
    pub bus: String,
    pub queue_url: String,
    pub sqs: aws_sdk_sqs::Client,
}

/// What the stand-in is; [`CustomBusConfig::start`](super::CustomBusConfig::start) serves it.
#[derive(Clone, Debug)]
pub struct CustomBusConfig {
    pub(super) region: String,
    pub(super) account: String,
    pub(super) port: u16,
    pub(super) seed: u64,
    pub(super) buses: Vec<BusSpec>,
    pub(super) publishers: Vec<(String, String)>,
    pub(super) subscribers: Vec<FifoSubscriber>,
}

impl Default for CustomBusConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            account: "123456789012".into(),
            port: 0,
            seed: 0,
            buses: Vec::new(),
            publishers: Vec::new(),
            subscribers: Vec::new(),
        }
    }
}

/// A configuration the stand-in cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0:?} is not a region (the ARN pattern's [a-z][a-z0-9]*(-[a-z0-9]+)*)")]
    Region(String),
    #[error("{0:?} is not a 12-digit account id")]
    Account(String),
    #[error("{0:?} is not a bus name ([A-Za-z0-9][.\\-_A-Za-z0-9]{{0,255}})")]
    BusName(String),
    #[error("bus {0:?}: the id must be 25 characters of [a-z0-9]")]
    BusId(String),
    #[error("bus {0:?} is configured twice")]
    DuplicateBus(String),
    #[error("a FIFO subscriber names bus {0:?}, which is not configured")]
    UnknownBus(String),
    #[error("retention of bus {0:?}: 1 to 365 days")]
    Retention(String),
    #[error("binding 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
}

impl CustomBusConfig {
    /// Region us-east-1, account 123456789012, no buses, any free port, seed 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// The region of the buses, and the one requests must be signed for.
    pub fn region(mut self, region: &str) -> Self {
        region.clone_into(&mut self.region);
        self
    }

    /// The account that owns the buses, and the publisher's when its access key is not mapped.
    pub fn account(mut self, account: &str) -> Self {
        account.clone_into(&mut self.account);
        self
    }

    /// The 127.0.0.1 port to serve on (0, the default, takes a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The seed of minted bus ids, EventIds and random faults: the same seed, the same ARNs.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// An `ACTIVE` bus with a minted id.
    pub fn bus(self, name: &str) -> Self {
        self.bus_spec(BusSpec { name: name.into(), id: None, state: BusState::Active, retention_days: 1 })
    }

    /// A bus in `state` (say `CREATING`, which refuses events with `InvalidStateException`).
    pub fn bus_in_state(self, name: &str, state: BusState) -> Self {
        self.bus_spec(BusSpec { name: name.into(), id: None, state, retention_days: 1 })
    }

    /// A bus as given.
    pub fn bus_spec(mut self, spec: BusSpec) -> Self {
        self.buses.push(spec);
        self
    }

    /// Requests signed with `access_key_id` publish as `account` (another account than the owner's, say); the
    /// duplicate suppression is scoped to it.
    pub fn publisher(mut self, access_key_id: &str, account: &str) -> Self {
        self.publishers.push((access_key_id.into(), account.into()));
        self
    }

    /// A FIFO subscriber delivering every event of bus `bus` to the SQS FIFO queue `queue_url`.
    pub fn fifo_subscriber(mut self, bus: &str, queue_url: &str, sqs: aws_sdk_sqs::Client) -> Self {
        self.subscribers.push(FifoSubscriber { bus: bus.into(), queue_url: queue_url.into(), sqs });
        self
    }

    pub(super) fn check(&self) -> Result<(), ConfigError> {
        let probe = format!("arn:aws:events:{}:{}:event-busv2/b/{}", self.region, self.account, "a".repeat(25));
        if super::request::parse_bus_arn(&probe).is_none() {
            let account_ok = self.account.len() == 12 && self.account.bytes().all(|b| b.is_ascii_digit());
            return Err(if account_ok {
                ConfigError::Region(self.region.clone())
            } else {
                ConfigError::Account(self.account.clone())
            });
        }
        for (index, bus) in self.buses.iter().enumerate() {
            if !valid_bus_name(&bus.name) {
                return Err(ConfigError::BusName(bus.name.clone()));
            }
            let id_ok =
                |id: &String| id.len() == 25 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            if !bus.id.as_ref().is_none_or(id_ok) {
                return Err(ConfigError::BusId(bus.name.clone()));
            }
            if !(1..=365).contains(&bus.retention_days) {
                return Err(ConfigError::Retention(bus.name.clone()));
            }
            if self.buses[..index].iter().any(|other| other.name == bus.name) {
                return Err(ConfigError::DuplicateBus(bus.name.clone()));
            }
        }
        match self.subscribers.iter().find(|s| !self.buses.iter().any(|bus| bus.name == s.bus)) {
            Some(orphan) => Err(ConfigError::UnknownBus(orphan.bus.clone())),
            None => Ok(()),
        }
    }
}
