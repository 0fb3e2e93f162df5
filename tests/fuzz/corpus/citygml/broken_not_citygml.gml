<?xml version="1.0"?>
<root xmlns:gml="http://www.opengis.net/gml"><gml:Polygon/></root>
