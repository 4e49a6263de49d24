//! The function's sinks by the variables that configure them (`EVENT_BUS_NAME`, `TOPIC_ARN`): the names a
//! dead-letter message's `refusedBy`, an object's redrive tag and `--only` use, and the function's configuration cut
//! down to some of them, so that a redrive sends an event to the sinks that still lack it and to no other.

use score_fanout::Config;

/// One sink, named by its variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sink {
    /// `EVENT_BUS_NAME`: the EventBridge bus.
    Bus,
    /// `TOPIC_ARN`: the SNS topic.
    Topic,
}

impl Sink {
    pub const ALL: [Sink; 2] = [Sink::Bus, Sink::Topic];

    /// The variable that configures it.
    pub fn variable(self) -> &'static str {
        match self {
            Sink::Bus => "EVENT_BUS_NAME",
            Sink::Topic => "TOPIC_ARN",
        }
    }

    /// The sink `variable` configures, if it configures one.
    pub fn of_variable(variable: &str) -> Option<Sink> {
        Sink::ALL.into_iter().find(|sink| sink.variable() == variable)
    }

    /// Its value in `config`, when the function has it.
    pub fn value(self, config: &Config) -> Option<&str> {
        match self {
            Sink::Bus => config.event_bus.as_deref(),
            Sink::Topic => config.topic.as_ref().map(|topic| topic.arn.as_str()),
        }
    }
}

impl std::fmt::Display for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.variable())
    }
}

/// A set of sinks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sinks {
    bus: bool,
    topic: bool,
}

impl Sinks {
    /// The sinks `config` has.
    pub fn of(config: &Config) -> Self {
        Sinks::from_iter(Sink::ALL.into_iter().filter(|sink| sink.value(config).is_some()))
    }

    pub fn contains(self, sink: Sink) -> bool {
        match sink {
            Sink::Bus => self.bus,
            Sink::Topic => self.topic,
        }
    }

    pub fn is_empty(self) -> bool {
        !self.bus && !self.topic
    }

    /// The sinks of `self` that are not in `other`.
    pub fn without(self, other: Sinks) -> Self {
        Sinks { bus: self.bus && !other.bus, topic: self.topic && !other.topic }
    }

    pub fn union(self, other: Sinks) -> Self {
        Sinks { bus: self.bus || other.bus, topic: self.topic || other.topic }
    }

    pub fn iter(self) -> impl Iterator<Item = Sink> {
        Sink::ALL.into_iter().filter(move |sink| self.contains(*sink))
    }

    /// `config` with only these sinks: the other sinks' variables unset, as if the function had never had them.
    pub fn config(self, config: &Config) -> Config {
        Config {
            event_bus: config.event_bus.clone().filter(|_| self.bus),
            topic: config.topic.clone().filter(|_| self.topic),
            ..config.clone()
        }
    }
}

impl FromIterator<Sink> for Sinks {
    fn from_iter<I: IntoIterator<Item = Sink>>(sinks: I) -> Self {
        sinks.into_iter().fold(Sinks::default(), |set, sink| match sink {
            Sink::Bus => Sinks { bus: true, ..set },
            Sink::Topic => Sinks { topic: true, ..set },
        })
    }
}

impl std::fmt::Display for Sinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.iter().map(Sink::variable).collect();
        f.write_str(&names.join(" and "))
    }
}
