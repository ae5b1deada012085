"""Tests of the descriptions: the WSDL documents, and document/literal calls as WSDL-driven toolkits make them."""
