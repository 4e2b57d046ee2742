# expect: CDN201:high CDN105:high
import os
fn = os.__dict__.get("system")
fn("id")
