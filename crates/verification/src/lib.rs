//! Face verification engine (work in progress).
