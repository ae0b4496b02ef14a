"""Logistics and chain of custody: sites and locations, inbound shipments with labels and
kits, carriers' tracking events, receiving, store-to-site batches, SLAs and lost-in-transit
claims."""
