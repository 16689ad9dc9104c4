// Replaced by the daemon's entry point.
print("rtprelayd")
