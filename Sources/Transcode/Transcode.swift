// Transcode: see ../shared/docs/architecture.md. Files are added one concept each.
import RTPWire
